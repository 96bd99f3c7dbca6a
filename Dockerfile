# slo-gate: the verdict service Argo Rollouts' web metric provider calls.
# Build: docker build -t slo-gate .
# Run:   docker run -p 8080:8080 -v /path/to/tokens:/var/run/slo-gate/tenant-tokens:ro slo-gate \
#          --prometheus-url http://prometheus:9090 --tenant-tokens-dir /var/run/slo-gate/tenant-tokens
#
# The base image is pinned by tag. To pin it by digest as well, append the digest of this tag as your
# registry serves it (docker buildx imagetools inspect node:20.20.2-bookworm-slim) to the three FROM
# lines: node:20.20.2-bookworm-slim@sha256:<digest>.

# 1. Compile TypeScript with every dependency.
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY imports ./imports
COPY lib ./lib
RUN npx tsc -p tsconfig.build.json

# 2. The gate's own production dependencies, at the lockfile's versions: every production dependency is
#    installed, then those the gate does not import (the constructs' and the command line's) are pruned.
FROM node:20.20.2-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=peer --ignore-scripts --no-audit --no-fund \
 && node -e "const fs = require('fs'); const p = require('./package.json'); const keep = ['fastify', 'pino', 'prom-client']; \
p.dependencies = Object.fromEntries(keep.map((k) => [k, p.dependencies[k]])); fs.writeFileSync('package.json', JSON.stringify(p, null, 2));" \
 && npm prune --omit=dev --omit=peer --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# 3. Runtime: the compiled service, its contract and its dependencies, as a non-root user.
FROM node:20.20.2-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/package.json ./
COPY --from=build /app/build/lib/gate/contract.js ./build/lib/gate/contract.js
COPY --from=build /app/build/lib/gate/service ./build/lib/gate/service
# The image's "node" user; numeric so that runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["node", "build/lib/gate/service/cli.js"]
