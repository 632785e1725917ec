-- CreateTable
CREATE TABLE "StockShard" (
    "sku" TEXT NOT NULL,
    "shard" INTEGER NOT NULL,
    "units" INTEGER NOT NULL,

    CONSTRAINT "StockShard_pkey" PRIMARY KEY ("sku","shard")
);

-- AddForeignKey
ALTER TABLE "StockShard" ADD CONSTRAINT "StockShard_sku_fkey" FOREIGN KEY ("sku") REFERENCES "Product"("sku") ON DELETE CASCADE ON UPDATE CASCADE;
