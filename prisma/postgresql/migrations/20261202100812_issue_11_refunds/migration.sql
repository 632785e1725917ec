-- AlterTable
ALTER TABLE "PaymentEvent" ADD COLUMN     "refundNo" TEXT;

-- AlterTable
ALTER TABLE "SubOrder" ADD COLUMN     "lastRefundAt" TIMESTAMP(3),
ADD COLUMN     "refundCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "refundReservedFen" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "refundedFen" INTEGER NOT NULL DEFAULT 0;

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

-- CreateIndex
CREATE UNIQUE INDEX "Refund_idempotencyKey_key" ON "Refund"("idempotencyKey");

-- CreateIndex
CREATE INDEX "Refund_outTradeNo_idx" ON "Refund"("outTradeNo");

-- CreateIndex
CREATE INDEX "Refund_orderNo_idx" ON "Refund"("orderNo");

-- CreateIndex
CREATE INDEX "Refund_status_nextQueryAt_idx" ON "Refund"("status", "nextQueryAt");

-- CreateIndex
CREATE INDEX "PaymentEvent_refundNo_idx" ON "PaymentEvent"("refundNo");

-- AddForeignKey
ALTER TABLE "Refund" ADD CONSTRAINT "Refund_outTradeNo_fkey" FOREIGN KEY ("outTradeNo") REFERENCES "SubOrder"("outTradeNo") ON DELETE RESTRICT ON UPDATE CASCADE;
