-- AlterTable
ALTER TABLE "Order" ADD COLUMN "buyerIdHash" TEXT;
ALTER TABLE "Order" ADD COLUMN "cartHash" TEXT;
ALTER TABLE "Order" ADD COLUMN "closeLeaseAt" DATETIME;
ALTER TABLE "Order" ADD COLUMN "prepayLeaseAt" DATETIME;
ALTER TABLE "Order" ADD COLUMN "queryLeaseAt" DATETIME;

-- CreateTable
CREATE TABLE "JunkNotificationCounter" (
    "reason" TEXT NOT NULL,
    "minute" DATETIME NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("reason", "minute")
);

-- CreateTable
CREATE TABLE "RateLimitCounter" (
    "key" TEXT NOT NULL,
    "windowStart" DATETIME NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "expiresAt" DATETIME NOT NULL,

    PRIMARY KEY ("key", "windowStart")
);

-- CreateTable
CREATE TABLE "RevokedAdminSession" (
    "nonce" TEXT NOT NULL PRIMARY KEY,
    "expiresAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "JunkNotificationCounter_minute_idx" ON "JunkNotificationCounter"("minute");

-- CreateIndex
CREATE INDEX "RateLimitCounter_expiresAt_idx" ON "RateLimitCounter"("expiresAt");

-- CreateIndex
CREATE INDEX "RevokedAdminSession_expiresAt_idx" ON "RevokedAdminSession"("expiresAt");
