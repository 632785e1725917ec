// Walks EVERY back-office page and API route found on disk (so a new file cannot escape) and proves
// that none of them answers without a valid session: API → 401 (503 when ADMIN_TOKEN is unset),
// pages → redirect to the sign-in page. Forged, expired, malformed and raw-token cookies included.
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createSessionValue, SESSION_COOKIE, SESSION_TTL_SECONDS } from "@/lib/admin/session";
import { freshDatabaseUrl } from "../../support/test-db";

const TOKEN = "walk-admin-token-0123456789abcdef";
const ORIGIN = "http://localhost:3000";
const state: { token: string | undefined; cookie: string | undefined } = { token: TOKEN, cookie: undefined };

vi.mock("@/lib/env", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/lib/env")>();
  const base = actual.parseEnv({ NODE_ENV: "test", APP_BASE_URL: ORIGIN, ADMIN_TOKEN: TOKEN });
  return { ...actual, env: () => ({ ...base, adminToken: state.token }) };
});
vi.mock("next/headers", () => ({
  cookies: async () => ({
    get: (name: string) => (name === SESSION_COOKIE && state.cookie !== undefined ? { name, value: state.cookie } : undefined),
  }),
}));

const ROOT = path.resolve(".");
/** Files under app/admin and app/api/admin that answer HTTP requests. */
function discover(dir: string, re: RegExp): string[] {
  return (fs.readdirSync(path.join(ROOT, dir), { recursive: true }) as string[])
    .filter((f) => re.test(path.basename(f)))
    .map((f) => path.join(dir, f).split(path.sep).join("/"))
    .sort();
}
const ROUTE_FILES = [...discover("app/api/admin", /^route\.[jt]sx?$/), ...discover("app/admin", /^route\.[jt]sx?$/)];
const PAGE_FILES = discover("app/admin", /^page\.[jt]sx?$/);

// The only entry points that work without a session, each for a reason stated in its file.
const PUBLIC = new Set([
  "app/admin/sign-in/page.tsx",
  "app/api/admin/session/route.ts",
  "app/api/admin/sign-out/route.ts",
  // the invitee has no session yet: the single-use token in the URL is the credential
  "app/admin/invite/[token]/page.tsx",
  "app/api/admin/invites/[token]/route.ts",
]);

const SAMPLE_PARAMS: Record<string, string> = { orderNo: "C2026112600000001" };
function urlPathOf(file: string): { urlPath: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const segs = file
    .replace(/^app\//, "")
    .split("/")
    .slice(0, -1)
    .filter((s) => !/^\(.*\)$/.test(s))
    .map((s) => {
      const m = /^\[\.{0,3}([^\]]+)\]$/.exec(s.replace(/^\[\[|\]\]$/g, (x) => x[0]!));
      if (!m) return s;
      params[m[1]!] = SAMPLE_PARAMS[m[1]!] ?? "sample123";
      return params[m[1]!]!;
    });
  return { urlPath: "/" + segs.join("/"), params };
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response> | Response;

const now = Date.now();
const COOKIES: Record<string, string | undefined> = {
  none: undefined,
  forged: createSessionValue("attacker-guess-0123456789abcdef", now),
  expired: createSessionValue(TOKEN, now - (SESSION_TTL_SECONDS + 60) * 1000),
  malformed: "v1.not.a.session",
  "the raw token": TOKEN,
  "tampered expiry": (() => {
    const p = createSessionValue(TOKEN, now - (SESSION_TTL_SECONDS + 60) * 1000).split(".");
    p[2] = String(Math.floor(now / 1000) + 3600);
    return p.join(".");
  })(),
};

function request(method: string, urlPath: string, cookie: string | undefined): Request {
  const headers = new Headers({ origin: ORIGIN });
  if (cookie !== undefined) headers.set("cookie", `${SESSION_COOKIE}=${cookie}`);
  const hasBody = !["GET", "HEAD", "OPTIONS"].includes(method);
  if (hasBody) headers.set("content-type", "application/json");
  return new Request(`${ORIGIN}${urlPath}?date=2026-11-26`, {
    method,
    headers,
    body: hasBody ? JSON.stringify({ billDate: "2026-11-26" }) : undefined,
  });
}

beforeAll(() => {
  process.env.DATABASE_URL = freshDatabaseUrl("admin-walk");
});

describe("discovery", () => {
  it("finds the back office on disk, including every public entry point", () => {
    expect(ROUTE_FILES.length).toBeGreaterThanOrEqual(6);
    expect(PAGE_FILES.length).toBeGreaterThanOrEqual(5);
    for (const p of PUBLIC) expect([...ROUTE_FILES, ...PAGE_FILES]).toContain(p);
  });
});

describe.each(ROUTE_FILES.filter((f) => !PUBLIC.has(f)))("API %s", (file) => {
  const { urlPath, params } = urlPathOf(file);
  const load = async () => (await import(/* @vite-ignore */ path.join(ROOT, file))) as Record<string, Handler>;

  it("exports at least one HTTP method", async () => {
    const mod = await load();
    expect(METHODS.some((m) => typeof mod[m] === "function")).toBe(true);
  });

  for (const [label, cookie] of Object.entries(COOKIES)) {
    it(`every method answers 401 with cookie: ${label}`, async () => {
      state.token = TOKEN;
      const mod = await load();
      for (const m of METHODS) {
        const h = mod[m];
        if (typeof h !== "function") continue;
        const res = await h(request(m, urlPath, cookie), { params: Promise.resolve(params) });
        expect(res.status, `${m} ${urlPath}`).toBe(401);
        if (m !== "HEAD") expect(await res.json()).toMatchObject({ code: "UNAUTHORIZED" });
      }
    });
  }

  it("is disabled (503, never open) when ADMIN_TOKEN is unset, even with a once-valid cookie", async () => {
    state.token = undefined;
    const mod = await load();
    for (const m of METHODS) {
      const h = mod[m];
      if (typeof h !== "function") continue;
      const res = await h(request(m, urlPath, createSessionValue(TOKEN)), { params: Promise.resolve(params) });
      expect(res.status, `${m} ${urlPath}`).toBe(503);
      expect(await res.json()).toMatchObject({ code: "ADMIN_DISABLED", message: expect.stringContaining("ADMIN_TOKEN") });
    }
    state.token = TOKEN;
  });
});

async function renderPage(file: string) {
  const { params } = urlPathOf(file);
  const mod = (await import(/* @vite-ignore */ path.join(ROOT, file))) as { default: (p: unknown) => Promise<unknown> };
  return mod.default({ params: Promise.resolve(params), searchParams: Promise.resolve({}) });
}

function redirectTarget(e: unknown): string | undefined {
  const digest = (e as { digest?: unknown })?.digest;
  return typeof digest === "string" && digest.startsWith("NEXT_REDIRECT") ? digest.split(";")[2] : undefined;
}

describe.each(PAGE_FILES.filter((f) => !PUBLIC.has(f)))("page %s", (file) => {
  for (const [label, cookie] of Object.entries({ ...COOKIES, "valid, but ADMIN_TOKEN unset": "DISABLED" })) {
    it(`redirects to the sign-in page with cookie: ${label}`, async () => {
      state.token = cookie === "DISABLED" ? undefined : TOKEN;
      state.cookie = cookie === "DISABLED" ? createSessionValue(TOKEN) : cookie;
      const target = await renderPage(file).then(
        () => "rendered",
        (e) => redirectTarget(e) ?? `threw ${String(e)}`,
      );
      expect(target).toMatch(/^\/admin\/sign-in\?next=%2Fadmin/);
      state.token = TOKEN;
      state.cookie = undefined;
    });
  }
});

describe("the gate itself lets a valid session through (so the checks above can tell the difference)", () => {
  it("API gate", async () => {
    const { assertAdminRequest } = await import("@/lib/admin/guard");
    state.token = TOKEN;
    await expect(assertAdminRequest(request("GET", "/api/admin/bills/report", createSessionValue(TOKEN)))).resolves.toMatchObject({
      kind: "break-glass",
      role: "OWNER",
    });
    // a POST from a foreign origin is still refused, even with a valid session
    const foreign = new Request(`${ORIGIN}/api/admin/bills/reconcile`, {
      method: "POST",
      headers: { origin: "https://evil.example", cookie: `${SESSION_COOKIE}=${createSessionValue(TOKEN)}` },
    });
    await expect(assertAdminRequest(foreign)).rejects.toThrow(/来源/);
  });

  it("page gate: the orders page renders with a valid session", async () => {
    state.cookie = createSessionValue(TOKEN);
    await expect(renderPage("app/admin/orders/page.tsx")).resolves.toBeTruthy();
    state.cookie = undefined;
  });
});

describe("public entry points do not leak", () => {
  const form = (fields: Record<string, string>, origin = ORIGIN) =>
    new Request(`${ORIGIN}/api/admin/session`, { method: "POST", headers: { origin }, body: new URLSearchParams(fields) });
  const load = async () => (await import("@/app/api/admin/session/route")) as unknown as { POST: Handler };

  it("sign-in with a wrong token: no cookie, back to the form, token not in the URL", async () => {
    const { POST } = await load();
    const res = await POST(form({ token: "wrong-token-xxxxxxxxxxxx", next: "/admin/bills" }), { params: Promise.resolve({}) });
    expect(res.status).toBe(303);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(res.headers.get("location")).toBe("/admin/sign-in?error=invalid&next=%2Fadmin%2Fbills");
  });

  it("sign-in with the token: a signed session cookie (not the token), redirect inside /admin only", async () => {
    const { POST } = await load();
    const res = await POST(form({ token: TOKEN, next: "//evil.example/x" }), { params: Promise.resolve({}) });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin");
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^admin_session=v1\.[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
    expect(cookie).not.toContain(TOKEN);
  });

  it("sign-in from a foreign origin is refused; sign-in while disabled sets nothing", async () => {
    const { POST } = await load();
    expect((await POST(form({ token: TOKEN }, "https://evil.example"), { params: Promise.resolve({}) })).status).toBe(403);
    state.token = undefined;
    const res = await POST(form({ token: TOKEN }), { params: Promise.resolve({}) });
    state.token = TOKEN;
    expect(res.headers.get("location")).toBe("/admin/sign-in?error=disabled");
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("sign-out only clears the cookie", async () => {
    const { POST } = (await import("@/app/api/admin/sign-out/route")) as unknown as { POST: Handler };
    const res = await POST(new Request(`${ORIGIN}/api/admin/sign-out`, { method: "POST", headers: { origin: ORIGIN } }), {
      params: Promise.resolve({}),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("set-cookie")).toMatch(/^admin_session=; Path=\/; Max-Age=0;/);
  });

  it("the sign-in page says the back office is disabled when ADMIN_TOKEN is unset", async () => {
    state.token = undefined;
    const el = await renderPage("app/admin/sign-in/page.tsx");
    state.token = TOKEN;
    expect(JSON.stringify(el)).toContain("商户后台未启用");
  });
});
