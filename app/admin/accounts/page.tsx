import { requireAdminPage } from "@/lib/admin/guard";
import { listAccountAudit, listAccounts } from "@/lib/admin/accounts";
import { actorDisplay, can, storeWhere } from "@/lib/admin/scope";
import { prisma } from "@/lib/db";
import { formatFen } from "@/lib/money";
import { formatBeijing } from "@/lib/time/beijing";
import { AccountActions, CreateAccountForm, TwoFactorSetup } from "@/components/admin/accounts";

const ROLE_LABELS: Record<string, string> = { OWNER: "店主", OPERATOR: "运营", STORE_STAFF: "店员" };

/** 账号: everyone sees their own account and sets up 2FA here; owners also manage every account. */
export default async function AdminAccountsPage() {
  const actor = await requireAdminPage("/admin/accounts");
  const stores = await prisma.store.findMany({ where: storeWhere(actor), select: { id: true, name: true }, orderBy: { name: "asc" } });
  const storeName = new Map(stores.map((s) => [s.id, s.name]));
  const manage = can(actor, "accounts");
  const [accounts, audit] = manage ? await Promise.all([listAccounts(actor), listAccountAudit(actor)]) : [[], []];
  return (
    <main>
      <h1>{manage ? "账号" : "我的账号"}</h1>
      <section className="card" aria-label="当前账号">
        <dl className="kv-grid">
          <dt>账号</dt>
          <dd data-testid="me-username">{actor.kind === "account" ? actor.username : "ADMIN_TOKEN 应急登录"}</dd>
          <dt>角色</dt>
          <dd>{ROLE_LABELS[actor.role]}</dd>
          <dt>店铺</dt>
          <dd>{actor.storeIds === "all" ? "全部店铺" : actor.storeIds.map((id) => storeName.get(id) ?? id).join("、")}</dd>
          <dt>退款</dt>
          <dd>
            {actor.canRefund ? "可以退款" : "不能退款"}
            {actor.refundLimitFen !== undefined ? `（单笔不超过 ${formatFen(actor.refundLimitFen)}）` : ""}
          </dd>
        </dl>
      </section>
      {actor.kind === "account" ? (
        <>
          <h2>两步验证</h2>
          <TwoFactorSetup enabled={actor.totpEnabled} />
        </>
      ) : null}
      {manage ? (
        <>
          <h2>邀请新账号</h2>
          <CreateAccountForm stores={stores} />
          <h2>全部账号</h2>
          <div className="table-wrap">
            <table className="table" aria-label="账号列表">
              <thead>
                <tr>
                  <th>用户名</th>
                  <th>名称</th>
                  <th>角色</th>
                  <th>店铺</th>
                  <th>退款</th>
                  <th>状态</th>
                  <th>两步验证</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                {accounts.map((a) => (
                  <tr key={a.id} data-testid={`account-${a.username}`}>
                    <td className="mono">{a.username}</td>
                    <td>{a.displayName}</td>
                    <td>{ROLE_LABELS[a.role]}</td>
                    <td>{a.role === "STORE_STAFF" ? a.storeIds.map((id) => storeName.get(id) ?? id).join("、") : "全部"}</td>
                    <td>
                      {a.canRefund ? "可以" : "不可以"}
                      {a.refundLimitFen !== null ? `（≤ ${formatFen(a.refundLimitFen)}）` : ""}
                    </td>
                    <td>{a.status === "DISABLED" ? "已停用" : a.passwordSet ? "启用" : "待接受邀请"}</td>
                    <td>{a.totpEnabled ? "已启用" : "—"}</td>
                    <td>
                      <AccountActions account={a} stores={stores} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h2>账号变更记录</h2>
          <div className="table-wrap">
            <table className="table" aria-label="账号变更记录">
              <thead>
                <tr>
                  <th>时间</th>
                  <th>操作人</th>
                  <th>账号</th>
                  <th>操作</th>
                  <th>内容</th>
                </tr>
              </thead>
              <tbody>
                {audit.map((r) => (
                  <tr key={r.id}>
                    <td>{formatBeijing(r.at)}</td>
                    <td>{actorDisplay(r.actor)}</td>
                    <td className="mono">{accounts.find((a) => a.id === r.accountId)?.username ?? r.accountId}</td>
                    <td>{r.action}</td>
                    <td className="mono wrap">{r.detail ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </main>
  );
}
