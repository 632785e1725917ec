-- AlterTable
ALTER TABLE "Refund" ADD COLUMN     "abnormalAppliedAt" TIMESTAMP(3),
ADD COLUMN     "abnormalAppliedBy" TEXT;
