-- A SKU is one product whatever its letter case: "tea-lj-50" must not become a second TEA-LJ-50.
-- Prisma's schema language cannot express an index on an expression, so it lives here only
-- (prisma/schema.prisma says so next to Product). SKUs are ASCII (lib/catalog/validation.ts), so
-- lower() folds them the same way on SQLite and PostgreSQL. Deploying fails if the catalogue already
-- holds two SKUs differing only in case: rename one first.
CREATE UNIQUE INDEX "Product_sku_casefold_key" ON "Product"(lower("sku"));
