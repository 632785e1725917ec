// @ts-check
// Import-graph rules (dependency-cruiser), run by `npm run lint`: no circular imports anywhere in the code,
// and no import that runs back up the layers of docs/architecture.md. ESLint's no-restricted-imports
// (eslint.config.mjs) keeps the per-file bans; this file sees the whole graph, including transitive cycles.
// tests/unit/house/import-graph.test.ts proves each rule fails on a scratch violation.

// The layers of lib/, bottom to top. A module may import its own layer and any layer below it.
const WECHATPAY = "^lib/wechatpay/";
const FOUNDATION =
  "^lib/(errors|money|csv|env|log|db|wechatpay-errors|wechatpay-server)\\.ts$|^lib/database-url\\.mjs$|^lib/time/|^lib/delivery/";
const HTTP = "^lib/http/";
// The domain folders, bottom to top (docs/architecture.md): each may import the folders before it, never one after it.
// payment-events is the audit trail both payments and refunds write; notify is the one dispatcher above them all.
// accounts (staff passwords, second factor, invite tokens) sits under admin, whose sessions carry an account.
export const DOMAIN_ORDER = [
  "payment-events",
  "store-messages",
  "accounts",
  "admin",
  "catalog",
  "orders",
  "refunds",
  "bills",
  "fulfilment",
  "stats",
  "in-app",
  "notify",
];
const DOMAIN = `^lib/(${DOMAIN_ORDER.join("|")})/`;
const ENTRY = "^lib/(jobs|cli|ops)/|^lib/startup\\.ts$";
const COMPONENTS = "^components/";
const APP = "^app/|^(proxy|instrumentation)\\.ts$";

/**
 * One "no import back up" rule: modules matching `from` never import modules matching any of `above`.
 * @param {string} name
 * @param {string} from
 * @param {string[]} above
 * @param {string} comment
 * @returns {import("dependency-cruiser").IForbiddenRuleType}
 */
const notUp = (name, from, above, comment) => ({
  name,
  severity: "error",
  comment,
  from: { path: from },
  to: { path: above.join("|") },
});

/** @type {import("dependency-cruiser").IConfiguration} */
const config = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A cycle makes the load order matter and the layers meaningless: break it by moving the shared part down.",
      from: { path: "^(app|components|lib|tests)/" },
      to: { circular: true },
    },
    {
      name: "wechatpay-framework-free",
      severity: "error",
      comment: "lib/wechatpay/ imports only node:* built-ins, zod and its own files.",
      from: { path: WECHATPAY },
      to: { dependencyTypesNot: ["core"], pathNot: [WECHATPAY, "^node_modules/zod/"] },
    },
    notUp(
      "foundation-not-up",
      FOUNDATION,
      [HTTP, DOMAIN, ENTRY, COMPONENTS, APP],
      "errors, money, csv, time, env, db and the WeChat Pay composition root sit under everything else in lib/.",
    ),
    notUp(
      "http-not-up",
      HTTP,
      [DOMAIN, ENTRY, COMPONENTS, APP],
      "lib/http/ (request guards, responses) serves the domain; it never imports it.",
    ),
    notUp(
      "domain-not-up",
      DOMAIN,
      [ENTRY, COMPONENTS, APP],
      "The domain modules never import the job runner, the CLIs, components or app/.",
    ),
    // One "not up" rule per domain folder: lib/orders may use lib/catalog, but lib/catalog never lib/orders.
    ...DOMAIN_ORDER.slice(0, -1).map((folder, i) =>
      notUp(
        `${folder}-not-up`,
        `^lib/${folder}/`,
        DOMAIN_ORDER.slice(i + 1).map((above) => `^lib/${above}/`),
        `lib/${folder}/ sits under lib/${DOMAIN_ORDER.slice(i + 1).join("/, lib/")}/ (the domain order of docs/architecture.md): it never imports them.`,
      ),
    ),
    notUp("lib-not-up", "^lib/", [COMPONENTS, APP], "lib/ never imports components/ or app/."),
    notUp("components-not-up", COMPONENTS, [APP], "components/ never import app/."),
    notUp(
      "shipped-code-not-tests",
      "^(app|components|lib)/|^(proxy|instrumentation)\\.ts$",
      ["^tests/"],
      "Nothing that ships imports tests/.",
    ),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(lib/generated|\\.next|\\.data|node_modules)/" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
  },
};

export default config;
