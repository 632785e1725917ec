# The app as a container image (README "Deploy"). Multi-stage: the build stage has the dev dependencies, the
# sources and the test fixtures; the final stage has only the standalone server (.next/standalone: server.js,
# the traced node_modules, static files, migrations, the migrate command and the doctor) and runs as the
# unprivileged `node` user. Builds with the classic builder (DOCKER_BUILDKIT=0) as well as BuildKit.
#
#   docker build -t wechatpay-checkout .
#   docker run --rm -e DATABASE_URL=… wechatpay-checkout migrate        # apply migrations (once per release)
#   docker run -d -p 3000:3000 --env-file .env wechatpay-checkout       # serve (the default command)
#   docker run --rm --env-file .env wechatpay-checkout doctor --live    # check the settings
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: dependencies (native ones compiled when no prebuilt binary can be fetched) and next build ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# better-sqlite3 falls back to compiling when its prebuilt binary cannot be downloaded; the image's own Node
# headers (npm_config_nodedir) make that work without reaching nodejs.org.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local NEXT_TELEMETRY_DISABLED=1
# The dependency layer changes only with the lockfile or the schema (postinstall generates the Prisma clients).
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
COPY lib/database-url.mjs ./lib/database-url.mjs
RUN npm ci --no-audit --no-fund
COPY . .
# next build (type errors fail it) + lib/cli/assemble-standalone.mjs
RUN npm run build

# ---- tools: the build stage with the fake WeChat Pay and the seed, for compose.override.yaml (never deployed) ----
FROM build AS tools
ENV NODE_ENV=development FAKE_WECHATPAY_HOST=0.0.0.0
CMD ["npx", "tsx", "tests/fake-wechatpay/cli.ts", "serve"]

# ---- the image (the last stage, so `docker build .` gives it): the standalone server only ----
FROM ${NODE_IMAGE} AS app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 HOSTNAME=0.0.0.0 PORT=3000
WORKDIR /app
# Code owned by root and read-only for the app; writable: .data (SQLite, uploaded images) and Next's cache.
# .data/images exists in the image so that a volume mounted there (compose.yaml) starts out owned by `node`.
COPY --from=build /app/.next/standalone ./
COPY deploy/entrypoint.sh /usr/local/bin/app-entrypoint
RUN chmod 755 /usr/local/bin/app-entrypoint \
  && mkdir -p /app/.data/images /app/.next/cache \
  && chown node:node /app/.data /app/.data/images /app/.next/cache
USER node
EXPOSE 3000
# Liveness: 503 once shutdown has begun, never touches the database (GET /api/health).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["app-entrypoint"]
CMD ["serve"]
