// PUBLIC by design: the only page under /admin without a session (auth-walk test lists it).
import { adminToken } from "@/lib/admin/guard";
import { safeAdminPath } from "@/lib/admin/session";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

const MESSAGES: Record<string, string> = {
  invalid: "用户名或密码（或令牌）不正确，请重试。",
  totp: "请输入正确的两步验证码（或一个恢复码）。",
  disabled: "商户后台未启用。",
};

export default async function SignInPage({ searchParams }: Props) {
  const sp = await searchParams;
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const next = safeAdminPath(one(sp.next));
  const error = MESSAGES[one(sp.error) ?? ""];
  if (!adminToken()) {
    return (
      <main>
        <div className="card signin">
          <h1>商户后台未启用</h1>
          <p>
            服务器没有配置 <code>ADMIN_TOKEN</code>，后台已关闭（不会在没有令牌时开放）。
          </p>
          <p className="muted">请在服务器环境变量中设置至少 16 个字符的随机 ADMIN_TOKEN 并重启。</p>
        </div>
      </main>
    );
  }
  const username = (one(sp.username) ?? "").slice(0, 32);
  return (
    <main>
      <form className="card signin" method="post" action="/api/admin/session" aria-label="账号登录">
        <h1>登录商户后台</h1>
        {one(sp.signedOut) ? <p className="okbox">已退出登录。</p> : null}
        {error ? (
          <p className="alert" role="alert">
            {error}
          </p>
        ) : null}
        <label htmlFor="username">用户名</label>
        <input id="username" name="username" autoComplete="username" required maxLength={32} defaultValue={username} />
        <label htmlFor="password">密码</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required maxLength={256} />
        <label htmlFor="totp">两步验证码（已启用时填写，也可填恢复码）</label>
        <input id="totp" name="totp" inputMode="numeric" autoComplete="one-time-code" maxLength={20} />
        <input type="hidden" name="next" value={next} />
        <button type="submit" className="primary" style={{ width: "100%" }}>
          登录
        </button>
      </form>
      <details className="card signin">
        <summary>应急登录（ADMIN_TOKEN）</summary>
        <p className="muted">只在没有可用的店主账号时使用：以店主权限登录，操作记为“应急令牌”，并在每页显示警告。</p>
        <form method="post" action="/api/admin/session" aria-label="应急登录">
          <label htmlFor="token">管理令牌（ADMIN_TOKEN）</label>
          <input id="token" name="token" type="password" autoComplete="off" required maxLength={1024} />
          <input type="hidden" name="next" value={next} />
          <button type="submit" className="btn" style={{ width: "100%" }}>
            应急登录
          </button>
        </form>
      </details>
    </main>
  );
}
