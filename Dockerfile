# slo-gate: the verdict service Argo Rollouts' web metric provider calls.
# Build: docker build -t slo-gate .
# Run:   docker run -p 8080:8080 -v /path/to/tokens:/var/run/slo-gate/tenant-tokens:ro slo-gate \
#          --prometheus-url http://prometheus:9090 --tenant-tokens-dir /var/run/slo-gate/tenant-tokens
#
# The base image is pinned by tag. To pin it by digest as well, append the digest of this tag as your
# registry serves it (docker buildx imagetools inspect node:20.20.2-bookworm-slim) to the three FROM
# lines: node:20.20.2-bookworm-slim@sha256:<digest>.

# 1. Compile the gate's workspace (tools/slo-gate) and its contract (tools/gate-contract, built from
#    lib/gate/contract.ts and lib/gate/statistics.ts) with their own dependencies only: no cdk8s, no constructs.
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY tools/gate-contract/package.json tools/gate-contract/tsconfig.json ./tools/gate-contract/
COPY tools/slo-gate/package.json tools/slo-gate/tsconfig.json ./tools/slo-gate/
RUN npm ci --workspace @cdk8s-progressive/slo-gate --ignore-scripts --no-audit --no-fund
COPY lib/gate/contract.ts lib/gate/statistics.ts ./lib/gate/
COPY tools/slo-gate/src ./tools/slo-gate/src
RUN npm run build --workspace @cdk8s-progressive/gate-contract --workspace @cdk8s-progressive/slo-gate

# 2. The gate's production dependencies, at the lockfile's versions: fastify, pino, prom-client and the
#    contract (a link to tools/gate-contract); the other workspaces and the root's dependencies are left out.
FROM node:20.20.2-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY tools/gate-contract/package.json ./tools/gate-contract/
COPY tools/slo-gate/package.json ./tools/slo-gate/
RUN npm ci --workspace @cdk8s-progressive/slo-gate --omit=dev --omit=peer --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# 3. Runtime: the compiled service, its contract and its dependencies, as a non-root user.
FROM node:20.20.2-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/tools/gate-contract/package.json ./tools/gate-contract/package.json
COPY --from=build /app/tools/gate-contract/build ./tools/gate-contract/build
COPY --from=build /app/tools/slo-gate/package.json ./tools/slo-gate/package.json
COPY --from=build /app/tools/slo-gate/build ./tools/slo-gate/build
# The image's "node" user; numeric so that runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["node", "tools/slo-gate/build/cli.js"]
