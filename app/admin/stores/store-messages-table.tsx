import { STORE_MESSAGE_KIND_LABELS, STORE_MESSAGE_STATUS_LABELS, type StoreMessageRow } from "@/lib/store-messages/admin";
import { formatBeijing } from "@/lib/time/beijing";

/** The store's latest webhook messages: sent, waiting (with the next try and the last error), given up. */
export function StoreMessagesTable({ rows }: { rows: StoreMessageRow[] }) {
  return (
    <div className="table-wrap">
      <table className="table" aria-label="最近的店铺消息">
        <thead>
          <tr>
            <th>编号</th>
            <th>类型</th>
            <th>创建（北京）</th>
            <th>状态</th>
            <th>尝试</th>
            <th>最近发送 / 下次重试</th>
            <th>最近错误</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={7} className="muted">
                暂无消息
              </td>
            </tr>
          ) : (
            rows.map((m) => (
              <tr key={m.id}>
                <td className="mono">#{m.id}</td>
                <td>{STORE_MESSAGE_KIND_LABELS[m.kind] ?? m.kind}</td>
                <td>{formatBeijing(m.createdAt)}</td>
                <td>
                  <span className={m.status === "SENT" ? "tag ok" : m.status === "DEAD" ? "tag bad" : "tag"}>
                    {STORE_MESSAGE_STATUS_LABELS[m.status] ?? m.status}
                  </span>
                </td>
                <td className="num">{m.attempts}</td>
                <td>{m.status === "PENDING" ? `下次 ${formatBeijing(m.nextAttemptAt)}` : formatBeijing(m.sentAt)}</td>
                <td className="muted">{m.lastError ?? "—"}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
