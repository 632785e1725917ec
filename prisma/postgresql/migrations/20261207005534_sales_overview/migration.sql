-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "viaResumeLink" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "DailyCounter" (
    "name" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "DailyCounter_pkey" PRIMARY KEY ("name","day")
);

-- CreateIndex
CREATE INDEX "Order_createdAt_paidAt_idx" ON "Order"("createdAt", "paidAt");

-- CreateIndex
CREATE INDEX "Order_closedAt_status_idx" ON "Order"("closedAt", "status");

-- CreateIndex
CREATE INDEX "Order_viaResumeLink_paidAt_idx" ON "Order"("viaResumeLink", "paidAt");

-- CreateIndex
CREATE INDEX "Refund_successTime_idx" ON "Refund"("successTime");

-- CreateIndex
CREATE INDEX "SubOrder_successTime_storeId_amountFen_position_idx" ON "SubOrder"("successTime", "storeId", "amountFen", "position");

-- CreateIndex
CREATE INDEX "SubOrder_fulfilmentStatus_successTime_idx" ON "SubOrder"("fulfilmentStatus", "successTime");
