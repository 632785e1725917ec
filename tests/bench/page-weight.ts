// First-load JS of a page from `next start` (measured by tests/support/first-load-js.ts: every
// <script src> of the server-rendered HTML, gzip level 9; the inline RSC payload is not counted).
// The reference is an EMPTY App Router page built with the same Next.js version from the same
// node_modules (.data/bench-empty-app, node_modules symlinked), rebuilt when the version changes.
import fs from "node:fs";
import path from "node:path";
import { ROOT, run, startChild, waitForUrl, type Started } from "./support";

export { measurePage, FIRST_LOAD_BUDGET, type PageWeight } from "../support/first-load-js";

export const EMPTY_APP_DIR = path.join(ROOT, ".data/bench-empty-app");

const FILES: Record<string, string> = {
  "package.json": JSON.stringify({ name: "bench-empty-app", private: true, type: "module" }, null, 2) + "\n",
  "next.config.mjs": `export default { reactStrictMode: true, poweredByHeader: false };\n`,
  // Turbopack takes the repo (its lockfile) as the workspace root and would otherwise pick up the
  // repo's instrumentation.ts (server-only; it does not change client JS, but it fails without env).
  "instrumentation.js": `export function register() {}\n`,
  "app/layout.jsx": `export default function RootLayout({ children }) {\n  return (\n    <html lang="zh-CN">\n      <body>{children}</body>\n    </html>\n  );\n}\n`,
  "app/page.jsx": `export default function Page() {\n  return <main />;\n}\n`,
  // The framework's own ceiling for a route handler on this machine: read the body, answer 204.
  "app/api/noop/route.js": `export async function POST(request) {\n  await request.text();\n  return new Response(null, { status: 204 });\n}\n`,
};

/** Builds the empty app once per Next.js version (a few tens of seconds); `force` rebuilds. */
export async function buildEmptyApp(force = false): Promise<void> {
  const nextVersion = (JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules/next/package.json"), "utf8")) as { version: string })
    .version;
  const stamp = path.join(EMPTY_APP_DIR, ".next/bench-stamp");
  const wanted = JSON.stringify({ nextVersion, files: FILES });
  if (
    !force &&
    fs.existsSync(stamp) &&
    fs.readFileSync(stamp, "utf8") === wanted &&
    fs.existsSync(path.join(EMPTY_APP_DIR, ".next/BUILD_ID"))
  ) {
    return;
  }
  fs.rmSync(EMPTY_APP_DIR, { recursive: true, force: true });
  for (const [file, text] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(EMPTY_APP_DIR, file)), { recursive: true });
    fs.writeFileSync(path.join(EMPTY_APP_DIR, file), text);
  }
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(EMPTY_APP_DIR, "node_modules"), "dir");
  console.error(`bench: building the empty Next.js ${nextVersion} page in ${path.relative(ROOT, EMPTY_APP_DIR)} …`);
  await run(process.execPath, [path.join(ROOT, "node_modules/next/dist/bin/next"), "build"], {
    cwd: EMPTY_APP_DIR,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" as const },
    quiet: true,
  });
  fs.writeFileSync(stamp, wanted);
}

/** `next start` of the empty app (built by buildEmptyApp), ready to answer. */
export async function startEmptyApp(port: number): Promise<Started> {
  const server = startChild(
    "empty-app",
    process.execPath,
    [path.join(ROOT, "node_modules/next/dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"],
    {
      cwd: EMPTY_APP_DIR,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" as const },
      quiet: true,
    },
  );
  await waitForUrl(`http://127.0.0.1:${port}/`, server, 30_000);
  return server;
}
