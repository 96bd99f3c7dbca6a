# slo-gate: the verdict service Argo Rollouts' web metric provider calls.
# Build: docker build -t slo-gate .   Run: docker run -p 8080:8080 slo-gate --prometheus-url http://prometheus:9090

# 1. Compile TypeScript with every dependency.
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY imports ./imports
COPY lib ./lib
RUN npx tsc -p tsconfig.build.json

# 2. Production dependencies only, from the lockfile.
FROM node:20.20.2-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=peer --ignore-scripts --no-audit --no-fund && npm cache clean --force

# 3. Runtime: the compiled gate and its production dependencies, as a non-root user.
FROM node:20.20.2-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/build/lib/gate ./build/lib/gate
COPY package.json ./
# The image's "node" user; numeric so that runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["node", "build/lib/gate/service/cli.js"]
