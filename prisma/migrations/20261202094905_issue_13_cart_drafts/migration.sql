-- AlterTable
ALTER TABLE "Store" ADD COLUMN "logoUrl" TEXT;

-- CreateTable
CREATE TABLE "CartDraft" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "tokenHash" TEXT NOT NULL,
    "items" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME
);

-- CreateIndex
CREATE UNIQUE INDEX "CartDraft_tokenHash_key" ON "CartDraft"("tokenHash");

-- CreateIndex
CREATE INDEX "CartDraft_createdAt_idx" ON "CartDraft"("createdAt");

-- CreateIndex
CREATE INDEX "CartDraft_expiresAt_idx" ON "CartDraft"("expiresAt");
