-- CreateTable
CREATE TABLE "BillImport" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "billDate" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "billType" TEXT NOT NULL,
    "hashType" TEXT NOT NULL,
    "hashValue" TEXT NOT NULL,
    "requestId" TEXT,
    "importedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "header" TEXT NOT NULL,
    "rowCount" INTEGER NOT NULL,
    "summaryTradeCount" INTEGER NOT NULL,
    "summarySettlementFen" INTEGER,
    "summaryRefundFen" INTEGER,
    "summaryRechargeRefundFen" INTEGER,
    "summaryFeeMilliFen" INTEGER,
    "summaryOrderFen" INTEGER,
    "summaryRequestedRefundFen" INTEGER
);

-- CreateTable
CREATE TABLE "BillRow" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
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
    CONSTRAINT "BillRow_importId_fkey" FOREIGN KEY ("importId") REFERENCES "BillImport" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "BillImport_billDate_scope_key" ON "BillImport"("billDate", "scope");

-- CreateIndex
CREATE INDEX "BillRow_importId_idx" ON "BillRow"("importId");

-- CreateIndex
CREATE INDEX "BillRow_outTradeNo_idx" ON "BillRow"("outTradeNo");

-- CreateIndex
CREATE INDEX "BillRow_transactionId_idx" ON "BillRow"("transactionId");
