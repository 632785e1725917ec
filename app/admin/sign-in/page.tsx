// PUBLIC by design: the only page under /admin without a session (auth-walk test lists it).
import { adminToken } from "@/lib/admin/guard";
import { safeAdminPath } from "@/lib/admin/session";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

const MESSAGES: Record<string, string> = {
  invalid: "令牌不正确，请重试。",
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
  return (
    <main>
      <form className="card signin" method="post" action="/api/admin/session">
        <h1>登录商户后台</h1>
        {one(sp.signedOut) ? <p className="okbox">已退出登录。</p> : null}
        {error ? (
          <p className="alert" role="alert">
            {error}
          </p>
        ) : null}
        <label htmlFor="token">管理令牌（ADMIN_TOKEN）</label>
        <input id="token" name="token" type="password" autoComplete="current-password" required maxLength={1024} />
        <input type="hidden" name="next" value={next} />
        <button type="submit" className="primary" style={{ width: "100%" }}>
          登录
        </button>
      </form>
    </main>
  );
}
