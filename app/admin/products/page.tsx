import { requireAdminPage } from "@/lib/admin/guard";
import { storeWhere } from "@/lib/admin/scope";
import { getAdminProduct, listAdminProducts, listCatalogAudit, ADMIN_PAGE_SIZE } from "@/lib/catalog/admin";
import { CatalogListQuerySchema } from "@/lib/catalog/validation";
import { prisma } from "@/lib/db";
import { formatFen } from "@/lib/money";
import { ActiveToggle, ProductForm } from "@/components/admin/catalog-forms";
import { AuditTable } from "../catalog-audit/audit-table";
import { Pager } from "@/components/admin/pager";
import { pageCountOf } from "@/lib/admin/paging";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };
const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export default async function AdminProductsPage({ searchParams }: Props) {
  const sp = await searchParams;
  const f = CatalogListQuerySchema.catch({ q: undefined, page: 1 }).parse({ q: first(sp.q), page: first(sp.page) });
  const edit = first(sp.edit);
  const actor = await requireAdminPage(`/admin/products${f.q ? `?q=${encodeURIComponent(f.q)}` : ""}`);
  const [{ total, page, products }, stores, editing] = await Promise.all([
    listAdminProducts(actor, f.q, f.page),
    prisma.store.findMany({
      where: storeWhere(actor),
      select: { id: true, name: true, active: true },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    }),
    edit && /^[A-Za-z0-9_-]{1,64}$/.test(edit) ? getAdminProduct(actor, edit) : Promise.resolve(null),
  ]);
  const pageCount = pageCountOf(total, ADMIN_PAGE_SIZE);
  const href = (p: number) => `/admin/products?${new URLSearchParams({ ...(f.q ? { q: f.q } : {}), page: String(p) })}`;
  return (
    <main>
      <h1>商品</h1>
      {editing ? (
        <>
          <h2>编辑商品 {editing.sku}</h2>
          <ProductForm initial={editing} stores={stores} key={editing.sku} />
          <p className="muted">改价只影响之后的下单；已创建的订单保留原价（重新支付发送原金额）。</p>
        </>
      ) : (
        <>
          <h2>新建商品</h2>
          <ProductForm stores={stores} />
        </>
      )}
      <form className="card filters" method="get" action="/admin/products" role="search">
        <label>
          搜索商品
          <input className="q" type="search" name="q" defaultValue={f.q ?? ""} placeholder="SKU / 名称 / 店铺" />
        </label>
        <button type="submit" className="btn">
          搜索
        </button>
        <a href="/admin/products">清除</a>
      </form>
      <p className="muted">共 {total} 件</p>
      <div className="table-wrap">
        <table className="table" aria-label="商品列表">
          <thead>
            <tr>
              <th>SKU</th>
              <th>名称</th>
              <th className="num">价格</th>
              <th>店铺</th>
              <th className="num">库存</th>
              <th>状态</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {products.map((p) => (
              <tr key={p.sku}>
                <td className="mono">{p.sku}</td>
                <td>
                  {p.imageUrl ? <img src={p.imageUrl} alt="" width={20} height={20} className="thumb" /> : null} {p.name}
                </td>
                <td className="num">{formatFen(p.priceFen)}</td>
                <td>
                  {p.store.name}
                  {p.store.active ? "" : "（已停用）"}
                </td>
                <td className="num">
                  {p.stock === null ? "不限" : p.stock === 0 ? "已售罄" : p.stock}
                  {p.stock !== null && p.stockShards > 1 ? `（${p.stockShards} 行）` : ""}
                </td>
                <td>
                  <span className={p.active ? "tag ok" : "tag bad"}>{p.active ? "在售" : "已下架"}</span>
                </td>
                <td className="row-actions">
                  <a className="btn ghost" href={`/admin/products?edit=${encodeURIComponent(p.sku)}`}>
                    编辑
                  </a>
                  <ActiveToggle path={`/api/admin/products/${encodeURIComponent(p.sku)}`} active={p.active} labels={["下架", "上架"]} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager page={page} pageCount={pageCount} href={href} />
      <h2>最近的商品变更</h2>
      <AuditTable rows={await listCatalogAudit(actor, { entity: "PRODUCT", take: 20 })} />
      <p>
        <a href="/admin/catalog-audit">全部目录变更记录</a>
      </p>
    </main>
  );
}
