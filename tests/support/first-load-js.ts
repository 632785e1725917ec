// First-load JS of a page, measured the way a browser pays for it: fetch the server-rendered HTML, collect every
// <script src> it references (deduplicated), fetch each one and sum the gzip size (level 9) of its bytes. Inline
// scripts (the RSC payload) are not counted. Shared by the benchmark (tests/bench/page-weight.ts, against an empty
// Next.js app) and the Playwright budget check (tests/e2e/page-weight.spec.ts, against the built app's own 404).
import { gzipSync } from "node:zlib";

/** The cart's first-load JS may weigh at most this many times an empty page's (README "Benchmarks"). */
export const FIRST_LOAD_BUDGET = 1.05;

export interface PageWeight {
  path: string;
  scripts: number;
  rawBytes: number;
  gzipBytes: number;
  /** The script URLs counted, in page order. */
  srcs: string[];
}

/** `status` is the answer the page is expected to give (a not-found page measures with 404). */
export async function measurePage(baseUrl: string, pagePath: string, status = 200): Promise<PageWeight> {
  const res = await fetch(baseUrl + pagePath);
  if (res.status !== status) throw new Error(`page weight: GET ${pagePath} → ${res.status}`);
  const html = await res.text();
  const srcs = new Set<string>();
  for (const m of html.matchAll(/<script\b[^>]*?\ssrc="([^"]+)"/g)) srcs.add(m[1]!.replaceAll("&amp;", "&"));
  if (srcs.size === 0) throw new Error(`page weight: no <script src> in ${pagePath}`);
  let rawBytes = 0;
  let gzipBytes = 0;
  for (const src of srcs) {
    const r = await fetch(new URL(src, baseUrl));
    if (r.status !== 200) throw new Error(`page weight: ${src} → ${r.status}`);
    const buf = Buffer.from(await r.arrayBuffer());
    rawBytes += buf.length;
    gzipBytes += gzipSync(buf, { level: 9 }).length;
  }
  return { path: pagePath, scripts: srcs.size, rawBytes, gzipBytes, srcs: [...srcs] };
}
