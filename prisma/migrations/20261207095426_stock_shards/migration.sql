-- CreateTable
CREATE TABLE "StockShard" (
    "sku" TEXT NOT NULL,
    "shard" INTEGER NOT NULL,
    "units" INTEGER NOT NULL,

    PRIMARY KEY ("sku", "shard"),
    CONSTRAINT "StockShard_sku_fkey" FOREIGN KEY ("sku") REFERENCES "Product" ("sku") ON DELETE CASCADE ON UPDATE CASCADE
);
