import type { NextConfig } from "next";
import { API_SECURITY_HEADERS, MEDIA_CSP } from "./lib/http/security-headers";

const IMMUTABLE = "public, max-age=31536000, immutable";
const WEEK = "public, max-age=604800, stale-while-revalidate=86400";
const DAY = "public, max-age=86400, stale-while-revalidate=86400";
/** README › Security: what Next.js may buffer of a request body sent to a page (pages read none). */
export const PAGE_BODY_BUFFER_BYTES = 16 * 1024;

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The deployable artefact: .next/standalone/server.js with only the traced node_modules (the container image,
  // README "Deploy"). `npm run build` completes it with lib/cli/assemble-standalone.mjs (static files, public/,
  // migrations). `next start` still works on the same build (it prints a warning that it is not the standalone
  // server; the tests and `npm start` use it on purpose: it runs from the checkout, with its relative paths).
  output: "standalone",
  experimental: {
    // Next.js buffers the body of every request proxy.ts runs on before the route sees it (default
    // 10 MB). The proxy never runs on a request with a body under /api/ or /media/ (its matcher), so
    // the routes' streamed caps hold; pages take no body, so a POST to a page buffers at most this.
    proxyClientMaxBodySize: PAGE_BODY_BUFFER_BYTES,
  },
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          // Same-origin pages keep the full Referer; WeChat's cashier only needs our origin, which
          // strict-origin-when-cross-origin still sends on the navigation to h5_url.
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
          { key: "X-Frame-Options", value: "DENY" },
        ],
      },
      // The API and uploaded images bypass proxy.ts (it would buffer their bodies), so their security
      // headers are static and set here; config headers win over a route's own (Next.js appends a
      // route's header only when none is set), so /media/ keeps its sandbox CSP.
      { source: "/api/:path*", headers: Object.entries(API_SECURITY_HEADERS).map(([key, value]) => ({ key, value })) },
      { source: "/media/:path*", headers: [{ key: "Content-Security-Policy", value: MEDIA_CSP }] },
      // public/: files whose names carry a version (…​.v1.svg) never change, so browsers and CDNs keep
      // them a year; a new picture gets a new name. Fixed names that browsers request by convention
      // (favicon, apple-touch-icon, the manifest) are kept shorter so a change reaches shoppers.
      ...["/images/:path*", "/icons/:path*"].map((source) => ({ source, headers: [{ key: "Cache-Control", value: IMMUTABLE }] })),
      ...["/favicon.ico", "/apple-touch-icon.png"].map((source) => ({ source, headers: [{ key: "Cache-Control", value: WEEK }] })),
      { source: "/manifest.webmanifest", headers: [{ key: "Cache-Control", value: DAY }] },
    ];
  },
};

export default nextConfig;
