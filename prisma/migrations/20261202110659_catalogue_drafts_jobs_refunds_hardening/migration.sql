-- AlterTable
ALTER TABLE "Order" ADD COLUMN "buyerIdHash" TEXT;
ALTER TABLE "Order" ADD COLUMN "cartHash" TEXT;
ALTER TABLE "Order" ADD COLUMN "closeLeaseAt" DATETIME;
ALTER TABLE "Order" ADD COLUMN "prepayLeaseAt" DATETIME;
ALTER TABLE "Order" ADD COLUMN "queryLeaseAt" DATETIME;

-- AlterTable
ALTER TABLE "PaymentEvent" ADD COLUMN "refundNo" TEXT;

-- AlterTable
ALTER TABLE "Product" ADD COLUMN "imageUrl" TEXT;
ALTER TABLE "Product" ADD COLUMN "stock" INTEGER;

-- CreateTable
CREATE TABLE "CartDraft" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "tokenHash" TEXT NOT NULL,
    "items" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME
);

-- CreateTable
CREATE TABLE "JobLease" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "owner" TEXT,
    "leaseUntil" DATETIME,
    "nextRunAt" DATETIME NOT NULL,
    "runCount" INTEGER NOT NULL DEFAULT 0,
    "state" TEXT,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "JobRun" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "job" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "owner" TEXT NOT NULL,
    "scheduledFor" DATETIME NOT NULL,
    "startedAt" DATETIME NOT NULL,
    "finishedAt" DATETIME,
    "durationMs" INTEGER,
    "outcome" TEXT NOT NULL,
    "counts" TEXT,
    "summary" TEXT,
    "error" TEXT
);

-- CreateTable
CREATE TABLE "CatalogAudit" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "entity" TEXT NOT NULL,
    "entityId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "before" TEXT,
    "after" TEXT NOT NULL
);

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

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_OrderLine" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "outTradeNo" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "unitPriceFen" INTEGER NOT NULL,
    "quantity" INTEGER NOT NULL,
    "amountFen" INTEGER NOT NULL,
    "stockReserved" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "OrderLine_outTradeNo_fkey" FOREIGN KEY ("outTradeNo") REFERENCES "SubOrder" ("outTradeNo") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "OrderLine_sku_fkey" FOREIGN KEY ("sku") REFERENCES "Product" ("sku") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_OrderLine" ("amountFen", "id", "name", "outTradeNo", "quantity", "sku", "unitPriceFen") SELECT "amountFen", "id", "name", "outTradeNo", "quantity", "sku", "unitPriceFen" FROM "OrderLine";
DROP TABLE "OrderLine";
ALTER TABLE "new_OrderLine" RENAME TO "OrderLine";
CREATE INDEX "OrderLine_outTradeNo_idx" ON "OrderLine"("outTradeNo");
CREATE TABLE "new_Store" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "subMchid" TEXT NOT NULL,
    "mchid" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "logoUrl" TEXT
);
INSERT INTO "new_Store" ("createdAt", "id", "mchid", "name", "subMchid") SELECT "createdAt", "id", "mchid", "name", "subMchid" FROM "Store";
DROP TABLE "Store";
ALTER TABLE "new_Store" RENAME TO "Store";
CREATE UNIQUE INDEX "Store_subMchid_key" ON "Store"("subMchid");
CREATE UNIQUE INDEX "Store_mchid_key" ON "Store"("mchid");
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
