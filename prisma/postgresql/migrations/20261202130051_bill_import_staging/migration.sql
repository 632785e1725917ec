-- DropIndex
DROP INDEX "BillImport_billDate_scope_key";

-- AlterTable
ALTER TABLE "BillImport" ADD COLUMN     "currentKey" TEXT;

-- Every import stored before this migration was complete and the only one of its date and scope:
-- each stays the current one.
UPDATE "BillImport" SET "currentKey" = "billDate" || '|' || "scope";

-- CreateIndex
CREATE UNIQUE INDEX "BillImport_currentKey_key" ON "BillImport"("currentKey");

-- CreateIndex
CREATE INDEX "BillImport_billDate_scope_idx" ON "BillImport"("billDate", "scope");
