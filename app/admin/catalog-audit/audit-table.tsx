import { actorDisplay } from "@/lib/admin/scope";
import { formatBeijing } from "@/lib/time/beijing";

type Row = { id: number; at: Date; actor: string; entity: string; entityId: string; action: string; before: string | null; after: string };

/** Catalogue changes: who, when, what, before → after (JSON of the changed fields). */
export function AuditTable({ rows }: { rows: Row[] }) {
  return (
    <div className="table-wrap">
      <table className="table" aria-label="目录变更记录">
        <thead>
          <tr>
            <th>时间（北京）</th>
            <th>操作人</th>
            <th>对象</th>
            <th>操作</th>
            <th>变更前</th>
            <th>变更后</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={6} className="muted">
                暂无变更
              </td>
            </tr>
          ) : (
            rows.map((r) => (
              <tr key={r.id}>
                <td>{formatBeijing(r.at)}</td>
                <td>{actorDisplay(r.actor)}</td>
                <td className="mono">
                  {r.entity === "STORE" ? "店铺" : "商品"} {r.entityId}
                </td>
                <td>{r.action === "CREATE" ? "新建" : "修改"}</td>
                <td className="mono wrap">{r.before ?? "—"}</td>
                <td className="mono wrap">{r.after}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
