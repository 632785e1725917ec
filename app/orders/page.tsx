import { headers } from "next/headers";
import Link from "next/link";
import { buyerIdFromCookies } from "@/lib/orders/buyer";
import { listBuyerOrders, MyOrdersPageSchema } from "@/lib/orders/my-orders";
import { formatFen } from "@/lib/money";
import { formatBeijing } from "@/lib/time/beijing";

export const dynamic = "force-dynamic";

const ORDER_STATUS_LABEL = { PENDING: "待支付", PAID: "已支付", CLOSED: "已关闭", REFUNDED: "已退款" } as const;

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

// 我的订单: the orders placed in this browser (its buyer cookie), newest first. Another browser or a
// cleared cookie shows none — there is no account; an order's own link still opens it anywhere.
export default async function MyOrdersPage({ searchParams }: Props) {
  const [sp, requestHeaders] = await Promise.all([searchParams, headers()]);
  const requested = MyOrdersPageSchema.parse(Array.isArray(sp.page) ? sp.page[0] : sp.page);
  const { orders, page, pageCount, total } = await listBuyerOrders(buyerIdFromCookies(requestHeaders.get("cookie")), requested);
  return (
    <main>
      <h1>我的订单</h1>
      {orders.length === 0 ? (
        <section className="card">
          <p>这个浏览器中还没有订单。</p>
          <p className="muted">订单只记录在下单时使用的浏览器中；换了浏览器或清除了浏览数据，可通过订单链接查看。</p>
        </section>
      ) : (
        <>
          <p className="muted" style={{ margin: "0 4px 8px" }}>
            共 {total} 笔（仅限在本浏览器中下的订单）
          </p>
          <ul aria-label="订单列表" style={{ listStyle: "none", margin: 0, padding: 0 }}>
            {orders.map((o) => (
              <li key={o.orderNo} className="card">
                <Link className="order-row" href={`/orders/${o.orderNo}`} aria-label={`订单 ${o.orderNo}`}>
                  <div className="store-head">
                    <span className="muted">{formatBeijing(o.createdAt).slice(0, 16)}</span>
                    <span className={`badge${o.status === "PAID" ? " ok" : ""}`}>{ORDER_STATUS_LABEL[o.status]}</span>
                  </div>
                  {o.stores.map((s, i) => (
                    <div className="kv" key={i}>
                      <span>{s.name}</span>
                      <span className="muted" data-testid="store-state">
                        {s.state}
                      </span>
                    </div>
                  ))}
                  <div className="kv">
                    <span className="muted mono">{o.orderNo}</span>
                    <span className="price">{formatFen(o.totalFen)}</span>
                  </div>
                </Link>
              </li>
            ))}
          </ul>
          {pageCount > 1 && (
            <nav aria-label="分页" className="kv">
              {page > 1 ? <Link href={`/orders?page=${page - 1}`}>上一页</Link> : <span />}
              <span className="muted">
                第 {page} / {pageCount} 页
              </span>
              {page < pageCount ? <Link href={`/orders?page=${page + 1}`}>下一页</Link> : <span />}
            </nav>
          )}
        </>
      )}
      <div className="actions">
        <Link className="secondary" style={{ textAlign: "center", textDecoration: "none" }} href="/">
          继续购物
        </Link>
      </div>
    </main>
  );
}
