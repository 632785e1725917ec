// Which merchant a REFUND.* notification names, compared with ours (docs/wechatpay.md §14.4.3). Pure, so every
// official shape is unit-tested without a database.

/** The merchant ids of a REFUND.* notification, whichever it carries (§14.4.3). */
export interface NotifiedMerchant {
  spMchid?: string;
  subMchid?: string;
  mchid?: string;
}

/**
 * How the merchant ids a refund notification names differ from the sub-order's, or null (§14.4.3). The official
 * samples carry sp_mchid + sub_mchid, or mchid alone, or all three: whichever are present must be ours for that
 * sub-order, as on the payment path — sp_mchid the service provider that took the payment (the sub-order's mchid; a
 * direct-mode sub-order has none), sub_mchid its store, mchid the sub-order's merchant (the service provider, or the
 * participant in direct mode) or its store. The sub-order itself is found by its transaction_id / out_trade_no;
 * these only have to agree with it.
 */
export function merchantMismatch(m: NotifiedMerchant | undefined, sub: { mchid: string; subMchid: string | null }): string | null {
  if (!m) return null;
  if (m.spMchid !== undefined && (sub.subMchid === null || m.spMchid !== sub.mchid)) return `sp_mchid ${m.spMchid} is not ours`;
  if (m.subMchid !== undefined && m.subMchid !== sub.subMchid) return `sub_mchid ${m.subMchid} ≠ ${sub.subMchid ?? "-"}`;
  if (m.mchid !== undefined && m.mchid !== sub.mchid && m.mchid !== sub.subMchid) return `mchid ${m.mchid} is not ours`;
  return null;
}
