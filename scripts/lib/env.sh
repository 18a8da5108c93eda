# Sourced by every script: where things live and which tools come first on PATH.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOCAL="$ROOT/.local"
NODE_MAJOR=24
NODE_DIR="$LOCAL/node"
PNPM_VERSION="$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$ROOT/package.json")"
export ROOT LOCAL NODE_DIR PNPM_VERSION

# The project's Node and pnpm win over the machine's; native addons build
# against the project's Node headers, and librdkafka links Debian's libraries.
export PATH="$NODE_DIR/bin:$LOCAL/pnpm/node_modules/.bin:$ROOT/node_modules/.bin:$PATH"
export CKJS_LINKING=dynamic
export COREPACK_ENABLE_STRICT=0
export PNPM_HOME="$LOCAL/pnpm-home"

# Defaults for the local stack; any of them may be set by the caller.
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/orders}"
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/orders_test}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"

log() { printf '\033[1m[%s]\033[0m %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# host:port of a URL such as postgres://user@host:port/db
url_host_port() {
  local rest="${1#*://}"
  rest="${rest#*@}"
  rest="${rest%%/*}"
  echo "$rest"
}

tcp_open() { # host port
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

wait_tcp() { # host port seconds what
  local deadline=$((SECONDS + $3))
  until tcp_open "$1" "$2"; do
    ((SECONDS < deadline)) || die "$4 did not open $1:$2 within $3 s"
    sleep 0.3
  done
}
