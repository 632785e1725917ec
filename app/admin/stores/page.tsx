import { requireAdminPage } from "@/lib/admin/guard";
import { can } from "@/lib/admin/scope";
import { getAdminStore, listCatalogAudit, listStoreMessagesFor, listStores } from "@/lib/catalog/admin";
import { CatalogListQuerySchema, STORE_ID_PATTERN } from "@/lib/catalog/validation";
import { ActiveToggle, StoreForm } from "@/components/admin/catalog-forms";
import { StoreWebhookSettings } from "@/components/admin/store-webhook";
import { AuditTable } from "../catalog-audit/audit-table";
import { StoreMessagesTable } from "./store-messages-table";
import { DELIVERY_METHOD_LABELS } from "@/lib/delivery/methods";
import { formatFen } from "@/lib/money";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };
const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export default async function AdminStoresPage({ searchParams }: Props) {
  const sp = await searchParams;
  const f = CatalogListQuerySchema.catch({ q: undefined, page: 1 }).parse({ q: first(sp.q), page: first(sp.page) });
  const edit = first(sp.edit);
  const actor = await requireAdminPage(`/admin/stores${f.q ? `?q=${encodeURIComponent(f.q)}` : ""}`);
  const { total, stores } = await listStores(actor, f.q, f.page);
  const editing = edit && STORE_ID_PATTERN.test(edit) ? await getAdminStore(actor, edit) : null;
  return (
    <main>
      <h1>店铺</h1>
      {editing ? (
        <>
          <h2>编辑店铺 {editing.id}</h2>
          {can(actor, "store-settings") ? (
            <StoreForm initial={editing} key={editing.id} />
          ) : (
            <p className="muted">店铺设置只有店主可以修改。</p>
          )}
          <h2>订单通知（企业微信群机器人）</h2>
          <StoreWebhookSettings storeId={editing.id} maskedUrl={editing.notifyWebhookUrl} key={`webhook-${editing.id}`} />
          <StoreMessagesTable rows={await listStoreMessagesFor(actor, editing.id)} />
        </>
      ) : can(actor, "store-settings") ? (
        <>
          <h2>新建店铺</h2>
          <StoreForm />
        </>
      ) : null}
      <form className="card filters" method="get" action="/admin/stores" role="search">
        <label>
          搜索店铺
          <input className="q" type="search" name="q" defaultValue={f.q ?? ""} placeholder="名称 / 商户号 / 编号" />
        </label>
        <button type="submit" className="btn">
          搜索
        </button>
        <a href="/admin/stores">清除</a>
      </form>
      <p className="muted">共 {total} 家</p>
      <div className="table-wrap">
        <table className="table" aria-label="店铺列表">
          <thead>
            <tr>
              <th>编号</th>
              <th>名称</th>
              <th>sub_mchid</th>
              <th>直连 mchid</th>
              <th>配送</th>
              <th>微信内支付</th>
              <th>商品数</th>
              <th>状态</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {stores.map((s) => (
              <tr key={s.id}>
                <td className="mono">{s.id}</td>
                <td>
                  {s.logoUrl ? <img src={s.logoUrl} alt="" width={20} height={20} className="thumb" /> : null} {s.name}
                </td>
                <td className="mono">{s.subMchid}</td>
                <td className="mono">{s.mchid ?? "—"}</td>
                <td>
                  {s.deliveryMethods.map((m) => DELIVERY_METHOD_LABELS[m]).join("、")}
                  {s.deliveryMethods.includes("SHIPPING") && s.shippingFeeFen > 0 ? ` · 运费 ${formatFen(s.shippingFeeFen)}` : ""}
                  {s.freeShippingOverFen !== null && s.deliveryMethods.includes("SHIPPING")
                    ? `（满 ${formatFen(s.freeShippingOverFen)} 包邮）`
                    : ""}
                </td>
                <td>{s.jsapiEnabled ? <span className="tag ok">JSAPI</span> : "—"}</td>
                <td className="num">{s.productCount}</td>
                <td>
                  <span className={s.active ? "tag ok" : "tag bad"}>{s.active ? "营业中" : "已停用"}</span>
                </td>
                <td className="row-actions">
                  <a className="btn ghost" href={`/admin/stores?edit=${encodeURIComponent(s.id)}`}>
                    {can(actor, "store-settings") ? "编辑" : "查看"}
                  </a>
                  {can(actor, "store-settings") ? (
                    <ActiveToggle path={`/api/admin/stores/${encodeURIComponent(s.id)}`} active={s.active} labels={["停用", "启用"]} />
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>最近的店铺变更</h2>
      <AuditTable rows={await listCatalogAudit(actor, { entity: "STORE", take: 20 })} />
    </main>
  );
}
