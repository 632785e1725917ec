-- AlterTable
ALTER TABLE "OrderLine" ADD COLUMN     "stockReserved" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "Product" ADD COLUMN     "imageUrl" TEXT,
ADD COLUMN     "stock" INTEGER;

-- AlterTable
ALTER TABLE "Store" ADD COLUMN     "active" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "logoUrl" TEXT,
ALTER COLUMN "mchid" DROP NOT NULL;

-- CreateTable
CREATE TABLE "CatalogAudit" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "entity" TEXT NOT NULL,
    "entityId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "before" TEXT,
    "after" TEXT NOT NULL,

    CONSTRAINT "CatalogAudit_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CatalogAudit_entity_entityId_idx" ON "CatalogAudit"("entity", "entityId");

-- CreateIndex
CREATE INDEX "CatalogAudit_at_idx" ON "CatalogAudit"("at");
