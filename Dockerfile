# syntax=docker/dockerfile:1.7
#
# Every image of the order service, from one build of the workspace. Build from
# the repository root (the whole workspace is the context), choosing a target:
#   docker build --target api             -t order-service-api .
#   docker build --target cache-projector -t order-service-cache-projector .
#   docker build --target migrator        -t order-service-migrator .
#   docker build --target seeder          -t order-service-seeder .
#
# Targets:
#   api (default, last stage)  the API; it does not migrate: the migrator and topic-init jobs do.
#   cache-projector            the Kafka consumer-group worker that keeps the Redis order cache; the
#                              same image rebuilds the cache (node dist/cli/replay-cache.js --help) and
#                              sends dead letters again (node dist/cli/redrive-dlq.js --help).
#   migrator                   infra's migrations and operator CLIs, nothing of the apps:
#                              node dist/cli/migrate.js latest, node dist/cli/create-topics.js, and
#                              node dist/cli/await-ready.js for the Kubernetes initContainers
#   seeder                     the workspace with its dev dependencies, running scripts/seed.ts through tsx.
#
# One build stage serves every target, so librdkafka is compiled once per
# lockfile change instead of once per image, and the TypeScript once per source change.

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
# librdkafka is compiled from source and linked against Debian's libraries
# (CKJS_LINKING=dynamic), as the project's own scripts do; the runtime stages
# install only their shared objects. node-gyp takes the headers of the image's
# own Node instead of downloading them.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential python3 pkg-config ca-certificates \
      zlib1g-dev libssl-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev \
 && rm -rf /var/lib/apt/lists/*
ENV CKJS_LINKING=dynamic \
    npm_config_build_from_source=true \
    npm_config_nodedir=/usr/local
WORKDIR /repo

# pnpm at the exact version of package.json's packageManager field, then every
# package of the lockfile: these layers are rebuilt only when the root manifest,
# the workspace file or the lockfile change, and the store itself lives in a
# BuildKit cache shared by every build.
# The only steps that reach a registry take the build's certificate authorities
# from the optional secret `ca`, for egress through a TLS-inspecting proxy
# (`--secret id=ca,src=/etc/ssl/certs/ca-certificates.crt`, as scripts/containers
# does); a secret is mounted for that step only, never written into a layer.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
RUN --mount=type=secret,id=ca \
    if [ -f /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi \
 && npm install --global --no-fund --no-audit \
      "pnpm@$(node -p "require('./package.json').packageManager.replace(/^pnpm@/, '').split('+')[0]")"
RUN --mount=type=cache,id=order-service-pnpm-store,target=/pnpm/store --mount=type=secret,id=ca \
    if [ -f /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi \
 && pnpm fetch --ignore-scripts --store-dir /pnpm/store

COPY . .
# The workspace install links what `pnpm fetch` stored; the rebuild is the one
# place librdkafka is compiled (an install after `pnpm fetch` finds the packages
# in place and runs no install script). Then every package is compiled at once.
RUN --mount=type=cache,id=order-service-pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --offline --store-dir /pnpm/store \
 && pnpm --recursive rebuild @confluentinc/kafka-javascript \
 && test -f node_modules/.pnpm/@confluentinc+kafka-javascript@*/node_modules/@confluentinc/kafka-javascript/build/Release/confluent-kafka-javascript.node
RUN pnpm exec tsc -b apps/api apps/cache-projector infra

# Self-contained copies of the two apps and of infra with their production
# dependencies only, into /out/<package directory>. pnpm 10's deploy otherwise
# requires inject-workspace-packages=true, which changes how the whole workspace
# (and its lockfile) links local packages; --legacy keeps the workspace as it is
# and copies each workspace dependency with its compiled dist/. Legacy deploy
# resolves the workspace dependencies' own dependencies again, which needs the
# registry's metadata: it is not --offline (the store still serves the tarballs).
# The deploys skip install scripts; the addon the workspace install built is
# copied into each, after checking it is the same version, and librdkafka's
# sources and objects (about 250 MB) are left behind: only the addon and its
# shared objects go on.
RUN --mount=type=cache,id=order-service-pnpm-store,target=/pnpm/store --mount=type=secret,id=ca \
    if [ -f /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi \
 && for pkg in api:apps/api cache-projector:apps/cache-projector infra:infra; do \
      pnpm --filter "@order-service/${pkg%%:*}" deploy --legacy --prod --prefer-offline --ignore-scripts \
        --store-dir /pnpm/store "/out/${pkg#*:}" || exit 1; \
    done \
 && built="$(echo node_modules/.pnpm/@confluentinc+kafka-javascript@*/node_modules/@confluentinc/kafka-javascript)" \
 && test -f "$built/build/Release/confluent-kafka-javascript.node" \
 && for addon in $(find /out -type d -path '*/node_modules/@confluentinc/kafka-javascript'); do \
      [ "$(node -p "require('$addon/package.json').version")" = "$(node -p "require('./$built/package.json').version")" ] \
        || { echo "deployed $addon is not the version the workspace built"; exit 1; }; \
      rm -rf "$addon/deps/librdkafka" \
      && mkdir -p "$addon/build/Release" "$addon/build/deps" \
      && cp "$built/build/Release/confluent-kafka-javascript.node" "$addon/build/Release/" \
      && cp -P "$built"/build/deps/*.so* "$addon/build/deps/" || exit 1; \
    done \
 && rm -rf /out/*/*/test /out/*/test /out/*/*/tsconfig*.json /out/*/tsconfig*.json \
      /out/*/*/tsconfig.tsbuildinfo /out/*/tsconfig.tsbuildinfo \
      /out/infra/src /out/infra/kafka /out/infra/docker /out/infra/containers
# Fail the build, not the container, when something an image runs is missing.
RUN test -f /out/apps/api/dist/main.js \
 && test -f /out/apps/api/openapi.json \
 && test -d /out/apps/api/public \
 && test -f /out/apps/cache-projector/dist/main.js \
 && test -f /out/apps/cache-projector/dist/cli/replay-cache.js \
 && test -f /out/apps/cache-projector/dist/cli/redrive-dlq.js \
 && test -f /out/infra/dist/cli/migrate.js \
 && test -f /out/infra/dist/cli/create-topics.js \
 && test -f /out/infra/dist/cli/await-ready.js \
 && (cd /out/apps/api && node -e "require('@confluentinc/kafka-javascript')") \
 && (cd /out/apps/cache-projector && node -e "require('@confluentinc/kafka-javascript')") \
 && (cd /out/infra/node_modules/@order-service/kafka && node -e "require('@confluentinc/kafka-javascript')")

# The seeder (`docker compose --profile seed run --rm seeder`): a one-off tool
# that runs the TypeScript source with the workspace's dev dependencies (tsx,
# cli-progress), exactly as scripts/seed does on a workstation.
FROM build AS seeder
USER node
ENTRYPOINT ["node", "--conditions=source", "--import", "tsx", "scripts/seed.ts"]
CMD ["--url", "http://lb", "--count", "1000"]

# What every runtime image shares: Node and the shared libraries librdkafka
# was linked against. The files each target copies stay owned by root and the
# process runs as node: it can read its code but not change it.
# MALLOC_ARENA_MAX=2: glibc gives each thread that allocates an arena of its own
# (up to 8 per core), and librdkafka's broker threads, libuv's pool and V8's
# helpers each keep freed memory resident in theirs; two arenas keep the RSS of
# an API with its LRU full about 15 MiB lower at no measured CPU cost (the bench's
# soak row). The V8 heap needs no flag: Node sizes it from the container's limit.
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates libssl3 zlib1g libzstd1 liblz4-1 libsasl2-2 libcurl4 \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2

FROM runtime AS migrator
WORKDIR /app/infra
COPY --from=build /out/infra ./
USER node
CMD ["node", "dist/cli/migrate.js", "latest"]

FROM runtime AS cache-projector
ENV PROJECTOR_HOST=0.0.0.0 \
    PROJECTOR_PORT=8081
WORKDIR /app/apps/cache-projector
COPY --from=build /out/apps/cache-projector ./
USER node
EXPOSE 8081
# Node's own fetch, so the image needs no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PROJECTOR_PORT||8081)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]

FROM runtime AS api
ENV HOST=0.0.0.0 \
    PORT=8080
# The repository's layout is kept: the web routes read ../../openapi.json,
# ../../public and ../../../../docs/examples relative to dist/http.
WORKDIR /app/apps/api
COPY --from=build /out/apps/api ./
COPY docs/examples /app/docs/examples
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.ADMIN_PORT||8082)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
