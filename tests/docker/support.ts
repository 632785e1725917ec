// What npm run test:docker and npm run test:compose share: running docker, printing steps, waiting, and
// making sure an image the project's Docker files need is there (pulled, or a stand-in built here).
import { execFileSync, spawn, spawnSync } from "node:child_process";
import http from "node:http";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "../..");

export type RunOptions = { env?: Record<string, string>; allowFail?: boolean; timeoutMs?: number; cwd?: string };

/** Runs a command, returns its exit status and its output (stdout then stderr); throws on failure unless allowFail. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd ?? root,
    env: { ...process.env, ...opts.env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: opts.timeoutMs ?? 120_000,
  });
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}`.trim() };
}
export const docker = (args: string[], opts: RunOptions = {}) => run("docker", args, opts);

/** run() without blocking the event loop: servers in this process (the fake WeChat Pay, load clients) keep going. */
export function runAsync(cmd: string, args: string[], opts: RunOptions = {}): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? root, env: { ...process.env, ...opts.env } });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      if (status !== 0 && !opts.allowFail) reject(new Error(`${cmd} ${args.join(" ")} failed (${status}):\n${out}`));
      else resolve({ status, out: out.trim() });
    });
  });
}

export function reporter(name: string) {
  const started = Date.now();
  const summary: string[] = [];
  const elapsed = () => Math.round((Date.now() - started) / 1000);
  const step = (text: string) => console.log(`[${name}] ${String(elapsed()).padStart(4)}s ${text}`);
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new Error(`FAILED: ${what}`);
    summary.push(`✓ ${what}`);
    step(`✓ ${what}`);
  };
  /** main's ending: the summary, or the error and what passed before it (exit 1). */
  const finish = (main: () => Promise<void>) => {
    // A promise that nothing keeps pending (a fetch whose socket a proxy dropped) would let Node exit 0 halfway
    // through, skipping the clean-up: this timer keeps the process until main has settled.
    const keep = setInterval(() => {}, 60_000);
    return main().then(
      () => {
        clearInterval(keep);
        console.log(`\n[${name}] summary (${elapsed()} s):\n${summary.map((s) => `  ${s}`).join("\n")}`);
      },
      (e: unknown) => {
        const cause = e instanceof Error && e.cause ? ` (${String(e.cause)})` : "";
        console.error(`\n[${name}] ${e instanceof Error ? e.message : String(e)}${cause}`);
        if (summary.length) console.error(`passed so far:\n${summary.map((s) => `  ${s}`).join("\n")}`);
        process.exit(1);
      },
    );
  };
  return { step, check, summary, finish };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it gives a value (errors, and attempts taking over 10 s, count as "not yet"); throws after timeoutMs. */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await Promise.race([fn().catch(() => undefined), sleep(10_000).then(() => undefined)]);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`FAILED: ${what} (not within ${timeoutMs / 1000} s)`);
    await sleep(250);
  }
}

/** Needs root and a running Docker engine. */
export function requireDocker(): void {
  if (process.getuid?.() !== 0) throw new Error("needs root (the Docker engine and debootstrap)");
  if (docker(["info"], { allowFail: true }).status !== 0)
    throw new Error("no Docker engine: apt-get install -y docker.io debootstrap, then start `dockerd &`");
}

/** The image is there, pulled, or (no Docker Hub here) replaced by a stand-in (stand-in-base.sh). */
export function ensureImage(image: string, step: (text: string) => void): void {
  if (docker(["image", "inspect", image], { allowFail: true }).status === 0) return;
  step(`pulling ${image}`);
  if (docker(["pull", image], { allowFail: true, timeoutMs: 120_000 }).status === 0) return;
  step(`${image} cannot be pulled: building a stand-in (tests/docker/stand-in-base.sh)`);
  execFileSync(path.join(root, "tests/docker/stand-in-base.sh"), [image], { cwd: root, stdio: "inherit", timeout: 1_800_000 });
}

/**
 * One HTTP request on a connection of its own (no pool): a pooled keep-alive connection through docker-proxy can
 * be closed by the server just as a POST is sent on it, which fetch reports as "fetch failed" and never retries.
 */
export function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? "GET", headers: opts.headers, agent: false, timeout: 30_000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`${url}: no answer within 30 s`)));
    req.on("error", reject);
    req.end(opts.body);
  });
}
