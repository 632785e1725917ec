-- AlterTable
ALTER TABLE "PaymentEvent" ADD COLUMN "refundNo" TEXT;

-- CreateTable
CREATE TABLE "Refund" (
    "refundNo" TEXT NOT NULL PRIMARY KEY,
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
    "successTime" DATETIME,
    "acceptedAt" DATETIME,
    "lastErrorCode" TEXT,
    "lastErrorMessage" TEXT,
    "sendCount" INTEGER NOT NULL DEFAULT 0,
    "queryCount" INTEGER NOT NULL DEFAULT 0,
    "lastQueriedAt" DATETIME,
    "nextQueryAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Refund_outTradeNo_fkey" FOREIGN KEY ("outTradeNo") REFERENCES "SubOrder" ("outTradeNo") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_SubOrder" (
    "outTradeNo" TEXT NOT NULL PRIMARY KEY,
    "orderNo" TEXT NOT NULL,
    "storeId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "mchid" TEXT NOT NULL,
    "subMchid" TEXT,
    "amountFen" INTEGER NOT NULL,
    "description" TEXT NOT NULL,
    "attach" TEXT NOT NULL,
    "tradeState" TEXT NOT NULL DEFAULT 'NOTPAY',
    "transactionId" TEXT,
    "payerAmountFen" INTEGER,
    "bankType" TEXT,
    "tradeType" TEXT,
    "successTime" DATETIME,
    "refundReservedFen" INTEGER NOT NULL DEFAULT 0,
    "refundedFen" INTEGER NOT NULL DEFAULT 0,
    "refundCount" INTEGER NOT NULL DEFAULT 0,
    "lastRefundAt" DATETIME,
    CONSTRAINT "SubOrder_orderNo_fkey" FOREIGN KEY ("orderNo") REFERENCES "Order" ("orderNo") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "SubOrder_storeId_fkey" FOREIGN KEY ("storeId") REFERENCES "Store" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_SubOrder" ("amountFen", "attach", "bankType", "description", "mchid", "orderNo", "outTradeNo", "payerAmountFen", "position", "storeId", "subMchid", "successTime", "tradeState", "tradeType", "transactionId") SELECT "amountFen", "attach", "bankType", "description", "mchid", "orderNo", "outTradeNo", "payerAmountFen", "position", "storeId", "subMchid", "successTime", "tradeState", "tradeType", "transactionId" FROM "SubOrder";
DROP TABLE "SubOrder";
ALTER TABLE "new_SubOrder" RENAME TO "SubOrder";
CREATE UNIQUE INDEX "SubOrder_transactionId_key" ON "SubOrder"("transactionId");
CREATE INDEX "SubOrder_orderNo_idx" ON "SubOrder"("orderNo");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

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
