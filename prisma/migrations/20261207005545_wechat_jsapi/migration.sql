-- AlterTable
ALTER TABLE "Order" ADD COLUMN "payChannel" TEXT;
ALTER TABLE "Order" ADD COLUMN "payerOpenid" TEXT;
ALTER TABLE "Order" ADD COLUMN "prepayId" TEXT;
ALTER TABLE "Order" ADD COLUMN "prepayIdExpiresAt" DATETIME;

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
    "notifyWebhookUrl" TEXT,
    "jsapiEnabled" BOOLEAN NOT NULL DEFAULT false
);
INSERT INTO "new_Store" ("active", "createdAt", "deliveryMethods", "freeShippingOverFen", "id", "logoUrl", "mchid", "name", "notifyWebhookUrl", "pickupAddress", "pickupHours", "shippingFeeFen", "subMchid") SELECT "active", "createdAt", "deliveryMethods", "freeShippingOverFen", "id", "logoUrl", "mchid", "name", "notifyWebhookUrl", "pickupAddress", "pickupHours", "shippingFeeFen", "subMchid" FROM "Store";
DROP TABLE "Store";
ALTER TABLE "new_Store" RENAME TO "Store";
CREATE UNIQUE INDEX "Store_subMchid_key" ON "Store"("subMchid");
CREATE UNIQUE INDEX "Store_mchid_key" ON "Store"("mchid");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
