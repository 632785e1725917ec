-- AlterTable
ALTER TABLE "Refund" ADD COLUMN "abnormalAppliedAt" DATETIME;
ALTER TABLE "Refund" ADD COLUMN "abnormalAppliedBy" TEXT;
