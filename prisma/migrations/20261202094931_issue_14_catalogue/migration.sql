-- AlterTable
ALTER TABLE "Product" ADD COLUMN "imageUrl" TEXT;
ALTER TABLE "Product" ADD COLUMN "stock" INTEGER;

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
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "CatalogAudit_entity_entityId_idx" ON "CatalogAudit"("entity", "entityId");

-- CreateIndex
CREATE INDEX "CatalogAudit_at_idx" ON "CatalogAudit"("at");
