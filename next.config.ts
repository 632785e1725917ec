import type { NextConfig } from "next";

const IMMUTABLE = "public, max-age=31536000, immutable";
const WEEK = "public, max-age=604800, stale-while-revalidate=86400";
const DAY = "public, max-age=86400, stale-while-revalidate=86400";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The deployable artefact: .next/standalone/server.js with only the traced node_modules (the container image,
  // README "Deploy"). `npm run build` completes it with lib/cli/assemble-standalone.mjs (static files, public/,
  // migrations). `next start` still works on the same build (it prints a warning that it is not the standalone
  // server; the tests and `npm start` use it on purpose: it runs from the checkout, with its relative paths).
  output: "standalone",
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
