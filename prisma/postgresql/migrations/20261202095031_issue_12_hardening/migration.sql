-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "buyerIdHash" TEXT,
ADD COLUMN     "cartHash" TEXT,
ADD COLUMN     "closeLeaseAt" TIMESTAMP(3),
ADD COLUMN     "prepayLeaseAt" TIMESTAMP(3),
ADD COLUMN     "queryLeaseAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "JunkNotificationCounter" (
    "reason" TEXT NOT NULL,
    "minute" TIMESTAMP(3) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "JunkNotificationCounter_pkey" PRIMARY KEY ("reason","minute")
);

-- CreateTable
CREATE TABLE "RateLimitCounter" (
    "key" TEXT NOT NULL,
    "windowStart" TIMESTAMP(3) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RateLimitCounter_pkey" PRIMARY KEY ("key","windowStart")
);

-- CreateTable
CREATE TABLE "RevokedAdminSession" (
    "nonce" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RevokedAdminSession_pkey" PRIMARY KEY ("nonce")
);

-- CreateIndex
CREATE INDEX "JunkNotificationCounter_minute_idx" ON "JunkNotificationCounter"("minute");

-- CreateIndex
CREATE INDEX "RateLimitCounter_expiresAt_idx" ON "RateLimitCounter"("expiresAt");

-- CreateIndex
CREATE INDEX "RevokedAdminSession_expiresAt_idx" ON "RevokedAdminSession"("expiresAt");
