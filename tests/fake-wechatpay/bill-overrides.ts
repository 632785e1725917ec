// The bill faults the tests set through POST /__fake/bills/overrides (rows left out, amounts and states
// changed, extra rows, a tampered download). Its own module, without the fake's context types, so the
// context can hold one without bills.ts and context.ts importing each other.
import { z } from "zod";

const ExtraRowSchema = z.strictObject({
  bill_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  out_trade_no: z.string().min(1).max(32),
  amount_fen: z.int(),
  trade_state: z.string().min(1).default("SUCCESS"),
  transaction_id: z.string().optional(),
  /** HH:mm:ss on bill_date (CST); default 12:00:00. */
  time: z
    .string()
    .regex(/^\d{2}:\d{2}:\d{2}$/)
    .optional(),
  mchid: z.string().optional(),
  sub_mchid: z.string().optional(),
  attach: z.string().optional(),
  description: z.string().optional(),
  /** trade_state REFUND rows (e.g. a refund staff made in the merchant platform, §14.7): */
  out_refund_no: z.string().min(1).max(64).optional(),
  refund_id: z.string().min(1).max(32).optional(),
  refund_status: z.enum(["SUCCESS", "PROCESSING"]).optional(),
});

export const BillOverridesSchema = z.strictObject({
  /** Sub out_trade_no values to leave out of the bill. */
  remove: z.array(z.string()).optional(),
  /** out_trade_no (or out_refund_no for a refund row) → amount in fen shown in the bill instead of the real one. */
  amountFen: z.record(z.string(), z.int()).optional(),
  /** out_trade_no → 交易状态 shown (REFUND turns the row into a refund row). */
  tradeState: z.record(z.string(), z.string().min(1)).optional(),
  extraRows: z.array(ExtraRowSchema).optional(),
  /** The next download serves bytes whose SHA-1 differs from hash_value. */
  tamperNextDownload: z.boolean().optional(),
});
export type BillOverridesInput = z.infer<typeof BillOverridesSchema>;
type ExtraRow = z.infer<typeof ExtraRowSchema>;

export class BillOverrides {
  remove = new Set<string>();
  amountFen = new Map<string, number>();
  tradeState = new Map<string, string>();
  extraRows: ExtraRow[] = [];
  tamperNextDownload = false;

  /** Merges into what is already set (POST /__fake/bills/overrides twice accumulates). */
  apply(input: BillOverridesInput): void {
    for (const r of input.remove ?? []) this.remove.add(r);
    for (const [k, v] of Object.entries(input.amountFen ?? {})) this.amountFen.set(k, v);
    for (const [k, v] of Object.entries(input.tradeState ?? {})) this.tradeState.set(k, v);
    this.extraRows.push(...(input.extraRows ?? []));
    if (input.tamperNextDownload !== undefined) this.tamperNextDownload = input.tamperNextDownload;
  }

  clear(): void {
    this.remove.clear();
    this.amountFen.clear();
    this.tradeState.clear();
    this.extraRows = [];
    this.tamperNextDownload = false;
  }

  snapshot() {
    return {
      remove: [...this.remove],
      amountFen: Object.fromEntries(this.amountFen),
      tradeState: Object.fromEntries(this.tradeState),
      extraRows: this.extraRows,
      tamperNextDownload: this.tamperNextDownload,
    };
  }
}
