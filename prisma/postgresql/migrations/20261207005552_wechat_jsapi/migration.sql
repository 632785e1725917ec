-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "payChannel" TEXT,
ADD COLUMN     "payerOpenid" TEXT,
ADD COLUMN     "prepayId" TEXT,
ADD COLUMN     "prepayIdExpiresAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Store" ADD COLUMN     "jsapiEnabled" BOOLEAN NOT NULL DEFAULT false;
