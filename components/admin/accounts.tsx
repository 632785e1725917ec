"use client";

// The accounts page's forms: invite a person (the one-time link is shown once), change an account's
// role / stores / refund rights, disable it, reset its password, sign it out everywhere; set up the
// caller's own second factor; accept an invite.
import { useState } from "react";
import { postAdmin, sendAdmin } from "./api";
import { ActionMessage, useAdminAction } from "./admin-action";
import { useHydrated } from "@/components/use-hydrated";
import { yuanEntryToFen } from "@/lib/money";

type Store = { id: string; name: string };
const ROLE_LABELS: Record<string, string> = { OWNER: "店主", OPERATOR: "运营", STORE_STAFF: "店员" };

/** Role, stores and refund rights: shared by the create form and each account's edit form. */
function AccessFields(p: {
  stores: Store[];
  role: string;
  setRole: (r: string) => void;
  storeIds: string[];
  setStoreIds: (s: string[]) => void;
  canRefund: boolean;
  setCanRefund: (b: boolean) => void;
  limitYuan: string;
  setLimitYuan: (s: string) => void;
  disabled: boolean;
}) {
  return (
    <>
      <label>
        角色
        <select disabled={p.disabled} value={p.role} onChange={(e) => p.setRole(e.target.value)} aria-label="角色">
          {Object.entries(ROLE_LABELS).map(([k, v]) => (
            <option key={k} value={k}>
              {v}（{k}）
            </option>
          ))}
        </select>
      </label>
      {p.role === "STORE_STAFF" ? (
        <fieldset className="checks">
          <legend>负责的店铺</legend>
          {p.stores.map((s) => (
            <label key={s.id}>
              <input
                type="checkbox"
                disabled={p.disabled}
                checked={p.storeIds.includes(s.id)}
                onChange={(e) => p.setStoreIds(e.target.checked ? [...p.storeIds, s.id] : p.storeIds.filter((x) => x !== s.id))}
              />
              {s.name}
            </label>
          ))}
        </fieldset>
      ) : null}
      {p.role === "STORE_STAFF" ? (
        <label>
          <input type="checkbox" disabled={p.disabled} checked={p.canRefund} onChange={(e) => p.setCanRefund(e.target.checked)} />
          可以退款
        </label>
      ) : null}
      <label>
        单笔退款上限（元，留空为不限）
        <input
          disabled={p.disabled}
          inputMode="decimal"
          value={p.limitYuan}
          onChange={(e) => p.setLimitYuan(e.target.value)}
          aria-label="单笔退款上限"
        />
      </label>
    </>
  );
}

const limitFen = (yuan: string): number | null => (yuan.trim() === "" ? null : yuanEntryToFen(yuan.trim(), 100_000_000));

export function CreateAccountForm({ stores }: { stores: Store[] }) {
  const hydrated = useHydrated();
  const { busy, message, run } = useAdminAction();
  const [username, setUsername] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [role, setRole] = useState("STORE_STAFF");
  const [storeIds, setStoreIds] = useState<string[]>([]);
  const [canRefund, setCanRefund] = useState(false);
  const [limitYuan, setLimitYuan] = useState("");
  const [inviteUrl, setInviteUrl] = useState<string | null>(null);
  return (
    <form
      className="card filters"
      aria-label="邀请账号"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const r = await sendAdmin<{ inviteUrl: string }>("POST", "/api/admin/accounts", {
            username: username.trim(),
            displayName: displayName.trim(),
            role,
            ...(role === "STORE_STAFF" ? { storeIds, canRefund } : {}),
            refundLimitFen: limitFen(limitYuan),
          });
          setInviteUrl(r.inviteUrl);
          return `账号 ${username.trim()} 已创建。请把下面的邀请链接发给本人（72 小时内有效，只能使用一次，只显示这一次）。`;
        });
      }}
    >
      <label>
        用户名
        <input
          disabled={!hydrated}
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          required
          pattern="[a-z0-9_.\-]{3,32}"
          title="3–32 个字符：小写字母、数字、_ . -"
          autoComplete="off"
        />
      </label>
      <label>
        显示名称
        <input disabled={!hydrated} value={displayName} onChange={(e) => setDisplayName(e.target.value)} required maxLength={40} />
      </label>
      <AccessFields
        stores={stores}
        role={role}
        setRole={setRole}
        storeIds={storeIds}
        setStoreIds={setStoreIds}
        canRefund={canRefund}
        setCanRefund={setCanRefund}
        limitYuan={limitYuan}
        setLimitYuan={setLimitYuan}
        disabled={!hydrated}
      />
      <button type="submit" className="btn" disabled={!hydrated || busy}>
        创建并生成邀请链接
      </button>
      <ActionMessage message={message} wrap />
      {inviteUrl ? (
        <p className="mono wrap" data-testid="invite-url">
          {inviteUrl}
        </p>
      ) : null}
    </form>
  );
}

export type AccountRowData = {
  id: string;
  username: string;
  role: string;
  storeIds: string[];
  canRefund: boolean;
  refundLimitFen: number | null;
  status: string;
};

export function AccountActions({ account, stores }: { account: AccountRowData; stores: Store[] }) {
  const hydrated = useHydrated();
  const { busy, message, run } = useAdminAction();
  const [role, setRole] = useState(account.role);
  const [storeIds, setStoreIds] = useState(account.storeIds);
  const [canRefund, setCanRefund] = useState(account.canRefund);
  const [limitYuan, setLimitYuan] = useState(account.refundLimitFen === null ? "" : (account.refundLimitFen / 100).toFixed(2));
  const [inviteUrl, setInviteUrl] = useState<string | null>(null);
  const path = `/api/admin/accounts/${encodeURIComponent(account.id)}`;
  const patch = (body: Record<string, unknown>) => sendAdmin<{ inviteUrl?: string }>("PATCH", path, body);
  return (
    <details>
      <summary>管理</summary>
      <form
        className="filters"
        aria-label={`修改账号 ${account.username}`}
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            await patch({
              role,
              ...(role === "STORE_STAFF" ? { storeIds, canRefund } : {}),
              refundLimitFen: limitFen(limitYuan),
            });
            return "已保存。";
          });
        }}
      >
        <AccessFields
          stores={stores}
          role={role}
          setRole={setRole}
          storeIds={storeIds}
          setStoreIds={setStoreIds}
          canRefund={canRefund}
          setCanRefund={setCanRefund}
          limitYuan={limitYuan}
          setLimitYuan={setLimitYuan}
          disabled={!hydrated}
        />
        <button type="submit" className="btn" disabled={!hydrated || busy}>
          保存权限
        </button>
      </form>
      <div className="row-actions">
        <button
          type="button"
          className="btn ghost"
          disabled={!hydrated || busy}
          onClick={() =>
            void run(
              async () => (
                await patch({ disabled: account.status !== "DISABLED" }),
                account.status === "DISABLED" ? "已启用。" : "已停用。"
              ),
            )
          }
        >
          {account.status === "DISABLED" ? "启用" : "停用"}
        </button>
        <button
          type="button"
          className="btn ghost"
          disabled={!hydrated || busy}
          onClick={() =>
            void run(async () => {
              const r = await patch({ resetPassword: true });
              setInviteUrl(r.inviteUrl ?? null);
              return "旧密码已失效，请把新的邀请链接发给本人。";
            })
          }
        >
          重置密码
        </button>
        <button
          type="button"
          className="btn ghost"
          disabled={!hydrated || busy}
          onClick={() => void run(async () => (await patch({ signOutEverywhere: true }), "该账号的所有登录已失效。"))}
        >
          全部退出登录
        </button>
        <button
          type="button"
          className="btn ghost"
          disabled={!hydrated || busy}
          onClick={() => void run(async () => (await patch({ resetTotp: true }), "两步验证已关闭，本人可重新设置。"))}
        >
          重置两步验证
        </button>
      </div>
      <ActionMessage message={message} wrap />
      {inviteUrl ? <p className="mono wrap">{inviteUrl}</p> : null}
    </details>
  );
}

export function TwoFactorSetup({ enabled }: { enabled: boolean }) {
  const hydrated = useHydrated();
  const { busy, message, run } = useAdminAction();
  const [setup, setSetup] = useState<{ secret: string; qrSvg: string } | null>(null);
  const [code, setCode] = useState("");
  const [recovery, setRecovery] = useState<string[] | null>(null);
  if (enabled && !recovery) return <p className="okbox">两步验证已启用。</p>;
  return (
    <div className="card" aria-label="两步验证">
      {recovery ? (
        <>
          <p className="okbox">两步验证已启用。请把下面的恢复码抄下来妥善保存（每个只能用一次，只显示这一次）：</p>
          <ul className="mono" data-testid="recovery-codes">
            {recovery.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
        </>
      ) : setup ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              const r = await postAdmin<{ recoveryCodes: string[] }>("/api/admin/me/totp/confirm", { code: code.trim() });
              setRecovery(r.recoveryCodes);
              return "已启用。";
            });
          }}
        >
          <p>用身份验证器（如微信小程序“腾讯身份验证器”、Google Authenticator）扫描二维码，或手动输入密钥：</p>
          {/* our own server-generated SVG (qrcode), no user content in it */}
          <div className="qr" dangerouslySetInnerHTML={{ __html: setup.qrSvg }} />
          <p className="mono" data-testid="totp-secret">
            {setup.secret}
          </p>
          <label>
            验证码
            <input value={code} onChange={(e) => setCode(e.target.value)} inputMode="numeric" autoComplete="one-time-code" required />
          </label>
          <button type="submit" className="btn" disabled={!hydrated || busy}>
            确认启用
          </button>
        </form>
      ) : (
        <button
          type="button"
          className="btn"
          disabled={!hydrated || busy}
          onClick={() =>
            void run(async () => {
              setSetup(await postAdmin<{ secret: string; qrSvg: string }>("/api/admin/me/totp"));
              return "请扫描二维码。";
            })
          }
        >
          设置两步验证
        </button>
      )}
      <ActionMessage message={message} wrap />
    </div>
  );
}

export function InviteAcceptForm({ token, username }: { token: string; username: string }) {
  const hydrated = useHydrated();
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [done, setDone] = useState(false);
  return (
    <form
      className="card signin"
      aria-label="设置密码"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        setMessage(null);
        postAdmin(`/api/admin/invites/${encodeURIComponent(token)}`, { password })
          .then(() => {
            setDone(true);
            setMessage({ ok: true, text: "密码已设置，请登录。" });
          })
          .catch((err: unknown) => setMessage({ ok: false, text: err instanceof Error ? err.message : String(err) }))
          .finally(() => setBusy(false));
      }}
    >
      <h1>设置密码</h1>
      <p>
        账号：<span className="mono">{username}</span>
      </p>
      {/* lets password managers save the pair */}
      <input type="text" name="username" value={username} autoComplete="username" readOnly hidden />
      <label htmlFor="new-password">新密码（至少 12 个字符，不能与用户名相同，不能是常见密码）</label>
      <input
        id="new-password"
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        required
        minLength={12}
        maxLength={256}
        disabled={!hydrated || done}
      />
      <button type="submit" className="primary" style={{ width: "100%" }} disabled={!hydrated || busy || done}>
        设置密码
      </button>
      <ActionMessage message={message} wrap />
      {done ? <a href={`/admin/sign-in?username=${encodeURIComponent(username)}`}>去登录</a> : null}
    </form>
  );
}
