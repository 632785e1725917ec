import { BillReconcile } from "@/components/admin/bill-reconcile";
import { notFound } from "next/navigation";
import { requireAdminPage } from "@/lib/admin/guard";
import { can } from "@/lib/admin/scope";
import { BillDateSchema, beijingYesterday, formatBeijing } from "@/lib/time/beijing";
import { ALL_SCOPE, billStores, recentImports, storedReport } from "@/lib/bills/service";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function AdminBillsPage({ searchParams }: Props) {
  const sp = await searchParams;
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const actor = await requireAdminPage("/admin/bills");
  // Bills and reconciliation cover every store: owners and operators only (a store's staff get the 404 page).
  if (!can(actor, "bills")) notFound();
  // Default: yesterday in Beijing time, the newest bill that can exist.
  const date = BillDateSchema.safeParse(one(sp.date)).data ?? beijingYesterday();
  const stores = await billStores();
  const wanted = one(sp.scope) ?? ALL_SCOPE;
  const scope = stores.some((s) => s.subMchid === wanted) ? wanted : ALL_SCOPE;
  const [stored, imports] = await Promise.all([storedReport(date, scope), recentImports(10)]);
  return (
    <main>
      <h1>账单下载与对账</h1>
      <BillReconcile
        defaultDate={date}
        defaultScope={scope}
        stores={stores}
        stored={
          stored
            ? {
                billDate: date,
                scope,
                importedAt: stored.import.importedAt,
                rowCount: stored.import.rowCount,
                hashValue: stored.import.hashValue,
                report: stored.report,
              }
            : null
        }
      />
      <h2>最近导入</h2>
      <div className="table-wrap">
        <table className="table" aria-label="最近导入的账单">
          <thead>
            <tr>
              <th>账单日期</th>
              <th>范围</th>
              <th className="num">明细条数</th>
              <th>导入时间</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {imports.length === 0 ? (
              <tr>
                <td colSpan={5} className="muted">
                  尚未导入账单
                </td>
              </tr>
            ) : (
              imports.map((i) => (
                <tr key={i.id}>
                  <td>
                    <a href={`/admin/bills?date=${i.billDate}&scope=${i.scope}`}>{i.billDate}</a>
                  </td>
                  <td>{i.scope === ALL_SCOPE ? "全部店铺" : (stores.find((s) => s.subMchid === i.scope)?.name ?? i.scope)}</td>
                  <td className="num">{i.rowCount}</td>
                  <td>{formatBeijing(i.importedAt)}</td>
                  <td>
                    <a href={`/api/admin/bills/report?date=${i.billDate}&scope=${i.scope}`} download>
                      CSV
                    </a>
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </main>
  );
}
