import type { Metadata } from "next";
import { hasAdminSession } from "@/lib/admin/guard";
import "./admin.css";

// Never prerender: every admin page depends on the request's session and on ADMIN_TOKEN at run time.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "商户后台", robots: { index: false, follow: false } };

// Not an auth gate: layouts are not re-run on client navigations, so each page checks the session
// itself (requireAdminPage). Here the session only decides whether to show the navigation.
export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const signedIn = await hasAdminSession();
  return (
    <div className="admin">
      <header className="admin-top">
        <div className="admin-top-inner">
          <span className="admin-brand">商户后台</span>
          {signedIn ? (
            <nav className="admin-nav" aria-label="后台导航">
              <a href="/admin/orders">订单</a>
              <a href="/admin/refunds">退款</a>
              <a href="/admin/bills">账单对账</a>
              <form method="post" action="/api/admin/sign-out">
                <button type="submit" className="linklike">退出登录</button>
              </form>
            </nav>
          ) : null}
        </div>
      </header>
      {children}
    </div>
  );
}
