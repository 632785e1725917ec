-- AlterTable
ALTER TABLE "Store" ADD COLUMN     "logoUrl" TEXT;

-- CreateTable
CREATE TABLE "CartDraft" (
    "id" SERIAL NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "items" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),

    CONSTRAINT "CartDraft_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "CartDraft_tokenHash_key" ON "CartDraft"("tokenHash");

-- CreateIndex
CREATE INDEX "CartDraft_createdAt_idx" ON "CartDraft"("createdAt");

-- CreateIndex
CREATE INDEX "CartDraft_expiresAt_idx" ON "CartDraft"("expiresAt");
