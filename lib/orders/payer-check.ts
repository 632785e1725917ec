// A JSAPI order is prepaid for one WeChat user (combine_payer_info.openid, from the OAuth). A payment notification
// naming another payer is not refused — the money moved, and WeChat's payment wins — but it is audited, so staff can
// see it (README "Paying inside WeChat (JSAPI)"). Kept apart from apply-result.ts: one call, given the stored payer
// from the order read apply-result.ts already made (./mark-paid.ts readOrderForApply), so it adds no statement.
import type { CombineTransaction } from "@/lib/wechatpay";
import { audit, type ApplyMeta } from "@/lib/payment-events/audit";

export async function auditPayerMismatch(tx: CombineTransaction, meta: ApplyMeta, storedPayerOpenid: string | null): Promise<boolean> {
  const payer = tx.combine_payer_info?.openid;
  if (meta.source !== "NOTIFY" || !payer) return false;
  const orderNo = tx.combine_out_trade_no;
  if (!storedPayerOpenid || storedPayerOpenid === payer) return false;
  // The openids themselves stay out of the row: which one paid is in WeChat's bill and the order.
  await audit({
    source: "NOTIFY",
    orderNo,
    notificationId: meta.notificationId,
    verified: true,
    outcome: "NO_CHANGE",
    reason: "PAYER_MISMATCH: the payment's payer openid differs from the one the JSAPI order was prepaid for (applied anyway)",
  });
  return true;
}
