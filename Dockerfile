# syntax=docker/dockerfile:1
# Keygate gateway image: docker build -t keygate:0.1.0 .
# Multi-stage: build (TypeScript + admin UI) -> production node_modules -> slim runtime as a non-root user.
ARG NODE_IMAGE=node:20.20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci's postinstall patches pinned dependencies (patches/, see README Decisions).
COPY scripts/patch-dependencies.mjs ./scripts/
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json schema.sql ./
COPY gateway/src ./gateway/src
COPY admin-ui ./admin-ui
RUN npm run build

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/patch-dependencies.mjs ./scripts/
COPY patches ./patches
# No runtime dependency has an install script; --ignore-scripts keeps it that way, so our own patches of pinned
# dependencies (postinstall elsewhere) are applied explicitly. It fails the build if a patch does not apply.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && node scripts/patch-dependencies.mjs \
 && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    KEYGATE_DATA_DIR=/data
WORKDIR /app
# A fixed uid/gid (10001) so Kubernetes runAsUser/fsGroup and volume ownership line up with the image.
RUN groupadd --system --gid 10001 keygate \
 && useradd --system --uid 10001 --gid keygate --home-dir /app --no-create-home --shell /usr/sbin/nologin keygate \
 && mkdir -p /data && chown keygate:keygate /data
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/admin-ui/dist ./admin-ui/dist
# package.json carries "type": "module" for dist/; schema.sql marks the package root (the migrations are in dist/).
COPY package.json schema.sql ./
COPY bin ./bin
USER 10001:10001
EXPOSE 8080
VOLUME ["/data"]
# Node's own fetch: the slim image has no curl.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node is PID 1 and handles SIGTERM itself (drain, then exit 0), so no init wrapper is needed.
ENTRYPOINT ["node", "dist/gateway/src/cli.js"]
CMD ["serve"]
