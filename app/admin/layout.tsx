import Link from "next/link";
import type { Metadata } from "next";
import { currentAdmin } from "@/lib/admin/guard";
import { can } from "@/lib/admin/scope";
import { reconcileAlert } from "@/lib/jobs/status";
import "./admin.css";

// Never prerender: every admin page depends on the request's session and on ADMIN_TOKEN at run time.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "商户后台", robots: { index: false, follow: false } };

// Not an auth gate: layouts are not re-run on client navigations, so each page checks the session
// itself (requireAdminPage). Here the session only decides whether to show the navigation.
export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const actor = await currentAdmin();
  const signedIn = actor !== null;
  // Differences found by the automatic daily reconciliation are flagged on every page of those who reconcile.
  const alert = actor && can(actor, "bills") ? await reconcileAlert() : null;
  return (
    <div className="admin">
      <header className="admin-top">
        <div className="admin-top-inner">
          <span className="admin-brand">商户后台</span>
          {signedIn ? (
            <nav className="admin-nav" aria-label="后台导航">
              <Link href="/admin">概览</Link>
              <Link href="/admin/orders">订单</Link>
              <Link href="/admin/fulfilment">发货</Link>
              <Link href="/admin/refunds">退款</Link>
              {can(actor, "bills") ? <Link href="/admin/bills">账单对账</Link> : null}
              {can(actor, "jobs") ? <Link href="/admin/jobs">定时任务</Link> : null}
              <Link href="/admin/stores">店铺</Link>
              <Link href="/admin/products">商品</Link>
              <Link href="/admin/accounts" data-testid="current-account">
                {can(actor, "accounts") ? "账号" : "我的账号"}（{actor.kind === "account" ? actor.username : "应急令牌"}）
              </Link>
              <form method="post" action="/api/admin/sign-out">
                <button type="submit" className="linklike">
                  退出登录
                </button>
              </form>
            </nav>
          ) : null}
        </div>
      </header>
      {actor?.kind === "break-glass" ? (
        <div className="admin-alert alert" role="alert" data-testid="break-glass-banner">
          您正在使用 ADMIN_TOKEN 应急登录（店主权限），所有操作都以“应急令牌”记入审计日志。日常请使用个人账号登录；用完请退出。
        </div>
      ) : null}
      {alert ? (
        <div className="admin-alert notice" role="alert" data-testid="reconcile-alert">
          自动对账：{alert.billDate} 发现 {alert.differences} 处差异。<a href={`/admin/bills?date=${alert.billDate}`}>查看对账报告</a>
        </div>
      ) : null}
      {children}
    </div>
  );
}
