import { requireAdminPage } from "@/lib/admin/guard";
import { listCatalogAudit } from "@/lib/catalog/admin";
import { AuditTable } from "./audit-table";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function CatalogAuditPage({ searchParams }: Props) {
  const sp = await searchParams;
  const raw = Array.isArray(sp.id) ? sp.id[0] : sp.id;
  const entityId = raw && /^[A-Za-z0-9_-]{1,64}$/.test(raw) ? raw : undefined;
  const actor = await requireAdminPage("/admin/catalog-audit");
  return (
    <main>
      <h1>目录变更记录</h1>
      <form className="card filters" method="get" action="/admin/catalog-audit" role="search">
        <label>
          SKU 或店铺编号
          <input type="search" name="id" defaultValue={entityId ?? ""} />
        </label>
        <button type="submit" className="btn">
          筛选
        </button>
        <a href="/admin/catalog-audit">清除</a>
      </form>
      <AuditTable rows={await listCatalogAudit(actor, { entityId, take: 200 })} />
    </main>
  );
}
