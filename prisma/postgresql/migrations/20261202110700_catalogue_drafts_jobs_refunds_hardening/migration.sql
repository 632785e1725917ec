-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "buyerIdHash" TEXT,
ADD COLUMN     "cartHash" TEXT,
ADD COLUMN     "closeLeaseAt" TIMESTAMP(3),
ADD COLUMN     "prepayLeaseAt" TIMESTAMP(3),
ADD COLUMN     "queryLeaseAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "OrderLine" ADD COLUMN     "stockReserved" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "PaymentEvent" ADD COLUMN     "refundNo" TEXT;

-- AlterTable
ALTER TABLE "Product" ADD COLUMN     "imageUrl" TEXT,
ADD COLUMN     "stock" INTEGER;

-- AlterTable
ALTER TABLE "Store" ADD COLUMN     "active" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "logoUrl" TEXT,
ALTER COLUMN "mchid" DROP NOT NULL;

-- AlterTable
ALTER TABLE "SubOrder" ADD COLUMN     "lastRefundAt" TIMESTAMP(3),
ADD COLUMN     "refundCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "refundReservedFen" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "refundedFen" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "CartDraft" (
    "id" SERIAL NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "items" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),

    CONSTRAINT "CartDraft_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobLease" (
    "name" TEXT NOT NULL,
    "owner" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "nextRunAt" TIMESTAMP(3) NOT NULL,
    "runCount" INTEGER NOT NULL DEFAULT 0,
    "state" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "JobLease_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "JobRun" (
    "id" SERIAL NOT NULL,
    "job" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "owner" TEXT NOT NULL,
    "scheduledFor" TIMESTAMP(3) NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),
    "durationMs" INTEGER,
    "outcome" TEXT NOT NULL,
    "counts" TEXT,
    "summary" TEXT,
    "error" TEXT,

    CONSTRAINT "JobRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CatalogAudit" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "entity" TEXT NOT NULL,
    "entityId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "before" TEXT,
    "after" TEXT NOT NULL,

    CONSTRAINT "CatalogAudit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Refund" (
    "refundNo" TEXT NOT NULL,
    "outTradeNo" TEXT NOT NULL,
    "orderNo" TEXT NOT NULL,
    "subMchid" TEXT,
    "amountFen" INTEGER NOT NULL,
    "totalFen" INTEGER NOT NULL,
    "reason" TEXT,
    "origin" TEXT NOT NULL DEFAULT 'APP',
    "requestedBy" TEXT NOT NULL,
    "idempotencyKey" TEXT,
    "requestBody" TEXT,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "refundId" TEXT,
    "channel" TEXT,
    "userReceivedAccount" TEXT,
    "successTime" TIMESTAMP(3),
    "acceptedAt" TIMESTAMP(3),
    "lastErrorCode" TEXT,
    "lastErrorMessage" TEXT,
    "sendCount" INTEGER NOT NULL DEFAULT 0,
    "queryCount" INTEGER NOT NULL DEFAULT 0,
    "lastQueriedAt" TIMESTAMP(3),
    "nextQueryAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Refund_pkey" PRIMARY KEY ("refundNo")
);

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
CREATE UNIQUE INDEX "CartDraft_tokenHash_key" ON "CartDraft"("tokenHash");

-- CreateIndex
CREATE INDEX "CartDraft_createdAt_idx" ON "CartDraft"("createdAt");

-- CreateIndex
CREATE INDEX "CartDraft_expiresAt_idx" ON "CartDraft"("expiresAt");

-- CreateIndex
CREATE INDEX "JobRun_job_startedAt_idx" ON "JobRun"("job", "startedAt");

-- CreateIndex
CREATE INDEX "JobRun_startedAt_idx" ON "JobRun"("startedAt");

-- CreateIndex
CREATE UNIQUE INDEX "JobRun_job_seq_key" ON "JobRun"("job", "seq");

-- CreateIndex
CREATE INDEX "CatalogAudit_entity_entityId_idx" ON "CatalogAudit"("entity", "entityId");

-- CreateIndex
CREATE INDEX "CatalogAudit_at_idx" ON "CatalogAudit"("at");

-- CreateIndex
CREATE UNIQUE INDEX "Refund_idempotencyKey_key" ON "Refund"("idempotencyKey");

-- CreateIndex
CREATE INDEX "Refund_outTradeNo_idx" ON "Refund"("outTradeNo");

-- CreateIndex
CREATE INDEX "Refund_orderNo_idx" ON "Refund"("orderNo");

-- CreateIndex
CREATE INDEX "Refund_status_nextQueryAt_idx" ON "Refund"("status", "nextQueryAt");

-- CreateIndex
CREATE INDEX "JunkNotificationCounter_minute_idx" ON "JunkNotificationCounter"("minute");

-- CreateIndex
CREATE INDEX "RateLimitCounter_expiresAt_idx" ON "RateLimitCounter"("expiresAt");

-- CreateIndex
CREATE INDEX "RevokedAdminSession_expiresAt_idx" ON "RevokedAdminSession"("expiresAt");

-- CreateIndex
CREATE INDEX "PaymentEvent_refundNo_idx" ON "PaymentEvent"("refundNo");

-- AddForeignKey
ALTER TABLE "Refund" ADD CONSTRAINT "Refund_outTradeNo_fkey" FOREIGN KEY ("outTradeNo") REFERENCES "SubOrder"("outTradeNo") ON DELETE RESTRICT ON UPDATE CASCADE;
