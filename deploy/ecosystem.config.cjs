// PM2 on a Lighthouse / CVM host (README "Deploy"): two instances of the standalone server behind nginx
// (deploy/nginx.conf), so one keeps serving while the other restarts.
//
//   pm2 start deploy/ecosystem.config.cjs          first start (then: pm2 save && pm2 startup)
//   pm2 reload checkout-1 && pm2 reload checkout-2 after a release: one instance at a time
//
// CHECKOUT_DIR (the current release) and CHECKOUT_ENV_FILE (the settings, read with Node's --env-file; see
// .env.example: DATABASE_URL must be PostgreSQL for two processes, TRUST_PROXY_HOPS=1 behind nginx,
// CATALOG_IMAGE_DIR an absolute shared folder) are required; CHECKOUT_PORTS defaults to 3001,3002.
function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (README "Lighthouse / CVM with PM2 and nginx")`);
  return v;
}
const release = required("CHECKOUT_DIR");
const envFile = required("CHECKOUT_ENV_FILE");
const ports = (process.env.CHECKOUT_PORTS ?? "3001,3002").split(",").map(Number);

module.exports = {
  apps: ports.map((port, i) => ({
    name: `checkout-${i + 1}`,
    cwd: `${release}/.next/standalone`,
    script: "server.js",
    node_args: `--env-file=${envFile}`,
    exec_mode: "fork",
    env: { NODE_ENV: "production", PORT: String(port), HOSTNAME: "127.0.0.1" },
    // PM2 sends SIGINT, then SIGKILL after kill_timeout: longer than SHUTDOWN_TIMEOUT_MS (15 s), so requests in
    // flight finish and the job leases are released before the process goes.
    kill_timeout: 20_000,
    // the app writes JSON lines with their own time
    time: false,
  })),
};
