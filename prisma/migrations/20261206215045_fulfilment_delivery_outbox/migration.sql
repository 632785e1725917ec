-- AlterTable
ALTER TABLE "Order" ADD COLUMN "addressCity" TEXT;
ALTER TABLE "Order" ADD COLUMN "addressDetail" TEXT;
ALTER TABLE "Order" ADD COLUMN "addressDistrict" TEXT;
ALTER TABLE "Order" ADD COLUMN "addressPostalCode" TEXT;
ALTER TABLE "Order" ADD COLUMN "addressProvince" TEXT;
ALTER TABLE "Order" ADD COLUMN "contactName" TEXT;
ALTER TABLE "Order" ADD COLUMN "contactPhone" TEXT;
ALTER TABLE "Order" ADD COLUMN "piiPurgedAt" DATETIME;

-- CreateTable
CREATE TABLE "FulfilmentEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "outTradeNo" TEXT NOT NULL,
    "orderNo" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "fromStatus" TEXT NOT NULL,
    "toStatus" TEXT NOT NULL,
    "carrier" TEXT,
    "trackingNo" TEXT,
    CONSTRAINT "FulfilmentEvent_outTradeNo_fkey" FOREIGN KEY ("outTradeNo") REFERENCES "SubOrder" ("outTradeNo") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "StoreMessage" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "storeId" TEXT NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" DATETIME,
    "sentUrlHash" TEXT,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "lastError" TEXT,
    CONSTRAINT "StoreMessage_storeId_fkey" FOREIGN KEY ("storeId") REFERENCES "Store" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Store" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "subMchid" TEXT NOT NULL,
    "mchid" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "logoUrl" TEXT,
    "deliveryMethods" TEXT NOT NULL DEFAULT 'SHIPPING',
    "shippingFeeFen" INTEGER NOT NULL DEFAULT 0,
    "freeShippingOverFen" INTEGER,
    "pickupAddress" TEXT,
    "pickupHours" TEXT,
    "notifyWebhookUrl" TEXT
);
INSERT INTO "new_Store" ("active", "createdAt", "id", "logoUrl", "mchid", "name", "subMchid") SELECT "active", "createdAt", "id", "logoUrl", "mchid", "name", "subMchid" FROM "Store";
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
    "deliveryMethod" TEXT NOT NULL DEFAULT 'NONE',
    "shippingFeeFen" INTEGER NOT NULL DEFAULT 0,
    "fulfilmentStatus" TEXT NOT NULL DEFAULT 'UNFULFILLED',
    "carrier" TEXT,
    "trackingNo" TEXT,
    "shippedAt" DATETIME,
    "deliveredAt" DATETIME,
    "readyAt" DATETIME,
    "pickedUpAt" DATETIME,
    "pickupCode" TEXT,
    "pickupAddress" TEXT,
    "pickupHours" TEXT,
    CONSTRAINT "SubOrder_orderNo_fkey" FOREIGN KEY ("orderNo") REFERENCES "Order" ("orderNo") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "SubOrder_storeId_fkey" FOREIGN KEY ("storeId") REFERENCES "Store" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_SubOrder" ("amountFen", "attach", "bankType", "description", "lastRefundAt", "mchid", "orderNo", "outTradeNo", "payerAmountFen", "position", "refundCount", "refundReservedFen", "refundedFen", "storeId", "subMchid", "successTime", "tradeState", "tradeType", "transactionId") SELECT "amountFen", "attach", "bankType", "description", "lastRefundAt", "mchid", "orderNo", "outTradeNo", "payerAmountFen", "position", "refundCount", "refundReservedFen", "refundedFen", "storeId", "subMchid", "successTime", "tradeState", "tradeType", "transactionId" FROM "SubOrder";
DROP TABLE "SubOrder";
ALTER TABLE "new_SubOrder" RENAME TO "SubOrder";
CREATE UNIQUE INDEX "SubOrder_transactionId_key" ON "SubOrder"("transactionId");
CREATE INDEX "SubOrder_orderNo_idx" ON "SubOrder"("orderNo");
CREATE INDEX "SubOrder_fulfilmentStatus_storeId_idx" ON "SubOrder"("fulfilmentStatus", "storeId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "FulfilmentEvent_outTradeNo_idx" ON "FulfilmentEvent"("outTradeNo");

-- CreateIndex
CREATE INDEX "FulfilmentEvent_at_idx" ON "FulfilmentEvent"("at");

-- CreateIndex
CREATE UNIQUE INDEX "StoreMessage_dedupeKey_key" ON "StoreMessage"("dedupeKey");

-- CreateIndex
CREATE INDEX "StoreMessage_status_nextAttemptAt_idx" ON "StoreMessage"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "StoreMessage_sentUrlHash_sentAt_idx" ON "StoreMessage"("sentUrlHash", "sentAt");

-- CreateIndex
CREATE INDEX "Order_buyerIdHash_createdAt_idx" ON "Order"("buyerIdHash", "createdAt");
