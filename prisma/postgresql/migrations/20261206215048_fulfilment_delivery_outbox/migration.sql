-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "addressCity" TEXT,
ADD COLUMN     "addressDetail" TEXT,
ADD COLUMN     "addressDistrict" TEXT,
ADD COLUMN     "addressPostalCode" TEXT,
ADD COLUMN     "addressProvince" TEXT,
ADD COLUMN     "contactName" TEXT,
ADD COLUMN     "contactPhone" TEXT,
ADD COLUMN     "piiPurgedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Store" ADD COLUMN     "deliveryMethods" TEXT NOT NULL DEFAULT 'SHIPPING',
ADD COLUMN     "freeShippingOverFen" INTEGER,
ADD COLUMN     "notifyWebhookUrl" TEXT,
ADD COLUMN     "pickupAddress" TEXT,
ADD COLUMN     "pickupHours" TEXT,
ADD COLUMN     "shippingFeeFen" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "SubOrder" ADD COLUMN     "carrier" TEXT,
ADD COLUMN     "deliveredAt" TIMESTAMP(3),
ADD COLUMN     "deliveryMethod" TEXT NOT NULL DEFAULT 'NONE',
ADD COLUMN     "fulfilmentStatus" TEXT NOT NULL DEFAULT 'UNFULFILLED',
ADD COLUMN     "pickedUpAt" TIMESTAMP(3),
ADD COLUMN     "pickupAddress" TEXT,
ADD COLUMN     "pickupCode" TEXT,
ADD COLUMN     "pickupHours" TEXT,
ADD COLUMN     "readyAt" TIMESTAMP(3),
ADD COLUMN     "shippedAt" TIMESTAMP(3),
ADD COLUMN     "shippingFeeFen" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "trackingNo" TEXT;

-- CreateTable
CREATE TABLE "FulfilmentEvent" (
    "id" SERIAL NOT NULL,
    "outTradeNo" TEXT NOT NULL,
    "orderNo" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "fromStatus" TEXT NOT NULL,
    "toStatus" TEXT NOT NULL,
    "carrier" TEXT,
    "trackingNo" TEXT,

    CONSTRAINT "FulfilmentEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StoreMessage" (
    "id" SERIAL NOT NULL,
    "storeId" TEXT NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),
    "sentUrlHash" TEXT,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "lastError" TEXT,

    CONSTRAINT "StoreMessage_pkey" PRIMARY KEY ("id")
);

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

-- CreateIndex
CREATE INDEX "SubOrder_fulfilmentStatus_storeId_idx" ON "SubOrder"("fulfilmentStatus", "storeId");

-- AddForeignKey
ALTER TABLE "FulfilmentEvent" ADD CONSTRAINT "FulfilmentEvent_outTradeNo_fkey" FOREIGN KEY ("outTradeNo") REFERENCES "SubOrder"("outTradeNo") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StoreMessage" ADD CONSTRAINT "StoreMessage_storeId_fkey" FOREIGN KEY ("storeId") REFERENCES "Store"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
