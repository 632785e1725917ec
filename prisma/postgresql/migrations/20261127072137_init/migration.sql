-- CreateTable
CREATE TABLE "Store" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "subMchid" TEXT NOT NULL,
    "mchid" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Store_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Product" (
    "sku" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "priceFen" INTEGER NOT NULL,
    "storeId" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "sortOrder" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "Product_pkey" PRIMARY KEY ("sku")
);

-- CreateTable
CREATE TABLE "Order" (
    "orderNo" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "mode" TEXT NOT NULL,
    "combineMchid" TEXT NOT NULL,
    "combineAppid" TEXT NOT NULL,
    "totalFen" INTEGER NOT NULL,
    "payerIp" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "prepayState" TEXT NOT NULL DEFAULT 'NOT_SENT',
    "lastPrepayError" TEXT,
    "h5Url" TEXT,
    "h5UrlExpiresAt" TIMESTAMP(3),
    "checkoutKey" TEXT,
    "paidAt" TIMESTAMP(3),
    "closedAt" TIMESTAMP(3),
    "closeReason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Order_pkey" PRIMARY KEY ("orderNo")
);

-- CreateTable
CREATE TABLE "SubOrder" (
    "outTradeNo" TEXT NOT NULL,
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
    "successTime" TIMESTAMP(3),

    CONSTRAINT "SubOrder_pkey" PRIMARY KEY ("outTradeNo")
);

-- CreateTable
CREATE TABLE "OrderLine" (
    "id" SERIAL NOT NULL,
    "outTradeNo" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "unitPriceFen" INTEGER NOT NULL,
    "quantity" INTEGER NOT NULL,
    "amountFen" INTEGER NOT NULL,

    CONSTRAINT "OrderLine_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PaymentEvent" (
    "id" SERIAL NOT NULL,
    "orderNo" TEXT,
    "source" TEXT NOT NULL,
    "notificationId" TEXT,
    "requestId" TEXT,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "verified" BOOLEAN NOT NULL,
    "outcome" TEXT NOT NULL,
    "reason" TEXT,
    "tradeStates" TEXT,

    CONSTRAINT "PaymentEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BillImport" (
    "id" SERIAL NOT NULL,
    "billDate" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "billType" TEXT NOT NULL,
    "hashType" TEXT NOT NULL,
    "hashValue" TEXT NOT NULL,
    "requestId" TEXT,
    "importedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "header" TEXT NOT NULL,
    "rowCount" INTEGER NOT NULL,
    "summaryTradeCount" INTEGER NOT NULL,
    "summarySettlementFen" INTEGER,
    "summaryRefundFen" INTEGER,
    "summaryRechargeRefundFen" INTEGER,
    "summaryFeeMilliFen" INTEGER,
    "summaryOrderFen" INTEGER,
    "summaryRequestedRefundFen" INTEGER,

    CONSTRAINT "BillImport_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BillRow" (
    "id" SERIAL NOT NULL,
    "importId" INTEGER NOT NULL,
    "lineNo" INTEGER NOT NULL,
    "tradeTime" TEXT NOT NULL,
    "appid" TEXT,
    "mchid" TEXT,
    "subMchid" TEXT,
    "transactionId" TEXT NOT NULL,
    "outTradeNo" TEXT NOT NULL,
    "tradeType" TEXT,
    "tradeState" TEXT NOT NULL,
    "bankType" TEXT,
    "currency" TEXT,
    "settlementAmountFen" INTEGER,
    "couponAmountFen" INTEGER,
    "refundId" TEXT,
    "outRefundNo" TEXT,
    "refundAmountFen" INTEGER,
    "rechargeRefundAmountFen" INTEGER,
    "refundType" TEXT,
    "refundStatus" TEXT,
    "description" TEXT,
    "attach" TEXT,
    "feeMilliFen" INTEGER,
    "feeRate" TEXT,
    "orderAmountFen" INTEGER,
    "requestedRefundAmountFen" INTEGER,
    "feeRemark" TEXT,
    "extra" TEXT,

    CONSTRAINT "BillRow_pkey" PRIMARY KEY ("id")
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

-- CreateIndex
CREATE UNIQUE INDEX "BillImport_billDate_scope_key" ON "BillImport"("billDate", "scope");

-- CreateIndex
CREATE INDEX "BillRow_importId_idx" ON "BillRow"("importId");

-- CreateIndex
CREATE INDEX "BillRow_outTradeNo_idx" ON "BillRow"("outTradeNo");

-- CreateIndex
CREATE INDEX "BillRow_transactionId_idx" ON "BillRow"("transactionId");

-- AddForeignKey
ALTER TABLE "Product" ADD CONSTRAINT "Product_storeId_fkey" FOREIGN KEY ("storeId") REFERENCES "Store"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SubOrder" ADD CONSTRAINT "SubOrder_orderNo_fkey" FOREIGN KEY ("orderNo") REFERENCES "Order"("orderNo") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SubOrder" ADD CONSTRAINT "SubOrder_storeId_fkey" FOREIGN KEY ("storeId") REFERENCES "Store"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OrderLine" ADD CONSTRAINT "OrderLine_outTradeNo_fkey" FOREIGN KEY ("outTradeNo") REFERENCES "SubOrder"("outTradeNo") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OrderLine" ADD CONSTRAINT "OrderLine_sku_fkey" FOREIGN KEY ("sku") REFERENCES "Product"("sku") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PaymentEvent" ADD CONSTRAINT "PaymentEvent_orderNo_fkey" FOREIGN KEY ("orderNo") REFERENCES "Order"("orderNo") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BillRow" ADD CONSTRAINT "BillRow_importId_fkey" FOREIGN KEY ("importId") REFERENCES "BillImport"("id") ON DELETE CASCADE ON UPDATE CASCADE;
