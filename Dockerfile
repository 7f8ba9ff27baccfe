# Parley in a container. Multi-stage: build (compilers for better-sqlite3, TypeScript
# build) → runtime (node:24-slim, production dependencies and dist/ only, non-root).
#
#   docker build -t parley .
#   docker compose up -d            # see docker-compose.yml and docs/deploy.md
#
# The base images are build arguments (any Debian-like image with Node 22 or 24 and
# a `node` user works); CI builds its own without pulling (.ci/deploy-image.sh):
#
#   docker build --build-arg BASE=my-node:24 --build-arg BUILD_BASE=my-node-build:24 .
ARG BASE=node:24-slim
ARG BUILD_BASE=node:24-slim

FROM ${BUILD_BASE} AS build
# Compilers for better-sqlite3 when no prebuilt binary fits (a build base may bring its own).
RUN command -v g++ >/dev/null 2>&1 || ( apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/* )
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${BASE}
ENV NODE_ENV=production \
    PARLEY_DATA_DIR=/data \
    PARLEY_WEB_HOST=0.0.0.0 \
    PARLEY_WEB_PORT=8787
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8787
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:8787/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "dist/cli/parley.js", "start"]
