-- CreateTable
CREATE TABLE "Store" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "subMchid" TEXT NOT NULL,
    "mchid" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Product" (
    "sku" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "priceFen" INTEGER NOT NULL,
    "storeId" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "sortOrder" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "Product_storeId_fkey" FOREIGN KEY ("storeId") REFERENCES "Store" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Order" (
    "orderNo" TEXT NOT NULL PRIMARY KEY,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "mode" TEXT NOT NULL,
    "combineMchid" TEXT NOT NULL,
    "combineAppid" TEXT NOT NULL,
    "totalFen" INTEGER NOT NULL,
    "payerIp" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "prepayState" TEXT NOT NULL DEFAULT 'NOT_SENT',
    "lastPrepayError" TEXT,
    "h5Url" TEXT,
    "h5UrlExpiresAt" DATETIME,
    "checkoutKey" TEXT,
    "paidAt" DATETIME,
    "closedAt" DATETIME,
    "closeReason" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "SubOrder" (
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
    CONSTRAINT "SubOrder_orderNo_fkey" FOREIGN KEY ("orderNo") REFERENCES "Order" ("orderNo") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "SubOrder_storeId_fkey" FOREIGN KEY ("storeId") REFERENCES "Store" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "OrderLine" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "outTradeNo" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "unitPriceFen" INTEGER NOT NULL,
    "quantity" INTEGER NOT NULL,
    "amountFen" INTEGER NOT NULL,
    CONSTRAINT "OrderLine_outTradeNo_fkey" FOREIGN KEY ("outTradeNo") REFERENCES "SubOrder" ("outTradeNo") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "OrderLine_sku_fkey" FOREIGN KEY ("sku") REFERENCES "Product" ("sku") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PaymentEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "orderNo" TEXT,
    "source" TEXT NOT NULL,
    "notificationId" TEXT,
    "requestId" TEXT,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "verified" BOOLEAN NOT NULL,
    "outcome" TEXT NOT NULL,
    "reason" TEXT,
    "tradeStates" TEXT,
    CONSTRAINT "PaymentEvent_orderNo_fkey" FOREIGN KEY ("orderNo") REFERENCES "Order" ("orderNo") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "Store_subMchid_key" ON "Store"("subMchid");

-- CreateIndex
CREATE UNIQUE INDEX "Store_mchid_key" ON "Store"("mchid");

-- CreateIndex
CREATE INDEX "Product_storeId_idx" ON "Product"("storeId");

-- CreateIndex
CREATE UNIQUE INDEX "Order_checkoutKey_key" ON "Order"("checkoutKey");

-- CreateIndex
CREATE INDEX "Order_status_expiresAt_idx" ON "Order"("status", "expiresAt");

-- CreateIndex
CREATE INDEX "Order_createdAt_idx" ON "Order"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "SubOrder_transactionId_key" ON "SubOrder"("transactionId");

-- CreateIndex
CREATE INDEX "SubOrder_orderNo_idx" ON "SubOrder"("orderNo");

-- CreateIndex
CREATE INDEX "OrderLine_outTradeNo_idx" ON "OrderLine"("outTradeNo");

-- CreateIndex
CREATE INDEX "PaymentEvent_orderNo_idx" ON "PaymentEvent"("orderNo");

-- CreateIndex
CREATE INDEX "PaymentEvent_notificationId_idx" ON "PaymentEvent"("notificationId");
