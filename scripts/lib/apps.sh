# The app processes ./scripts/up runs, their names and ports, shared with
# ./scripts/down and ./scripts/restart-rolling. One API replica and one worker
# keep the names and ports of a plain `up` (api on PORT, cache-projector on
# PROJECTOR_PORT); with --replicas N the replicas api-1..N listen on ports of
# their own behind nginx on PORT, and with --workers M the workers are
# projector-1..M, each a static member of the consumer group under its name.
#   PORT                public port (8080): nginx with N > 1, else the API itself
#   PROJECTOR_PORT      health port of the single worker, or of projector-1 (PORT + 1)
#   ADMIN_PORT          admin port of the single API (PORT + 2)
#   DEV_ISSUER_PORT     the development token issuer (PORT + 10)
#   REPLICA_PORT_BASE   replica i serves on REPLICA_PORT_BASE + 2(i-1), its admin port is the next (PORT + 20)
#   WORKER_PORT_BASE    projector-j (j >= 2) on WORKER_PORT_BASE + j - 2 (PORT + 60)
# shellcheck shell=bash

# The manifest up writes: one line per app in the order restart-rolling takes
# them (API replicas, then workers): name, kind (api|worker), readiness URL.
APPS_MANIFEST="$RUN_DIR/apps.tsv"

plan_apps() { # replicas workers: sets API_NAMES API_PORTS API_ADMIN_PORTS WORKER_NAMES WORKER_PORTS
  local replicas=$1 workers=$2 i
  API_NAMES=() API_PORTS=() API_ADMIN_PORTS=() WORKER_NAMES=() WORKER_PORTS=()
  if ((replicas == 1)); then
    API_NAMES=(api) API_PORTS=("$PORT") API_ADMIN_PORTS=("$ADMIN_PORT")
  else
    for ((i = 1; i <= replicas; i++)); do
      API_NAMES+=("api-$i")
      API_PORTS+=($((REPLICA_PORT_BASE + 2 * (i - 1))))
      API_ADMIN_PORTS+=($((REPLICA_PORT_BASE + 2 * (i - 1) + 1)))
    done
  fi
  if ((workers == 1)); then
    WORKER_NAMES=(cache-projector) WORKER_PORTS=("$PROJECTOR_PORT")
  else
    for ((i = 1; i <= workers; i++)); do
      WORKER_NAMES+=("projector-$i")
      if ((i == 1)); then WORKER_PORTS+=("$PROJECTOR_PORT"); else WORKER_PORTS+=($((WORKER_PORT_BASE + i - 2))); fi
    done
  fi
}

# The static group membership id of a worker: projector-j, and projector-1 for a single worker.
worker_instance_id() { # worker-name
  if [ "$1" = cache-projector ]; then echo projector-1; else echo "$1"; fi
}

write_apps_manifest() {
  local i
  : >"$APPS_MANIFEST"
  for i in "${!API_NAMES[@]}"; do
    printf '%s\tapi\thttp://127.0.0.1:%s/readyz\n' "${API_NAMES[$i]}" "${API_ADMIN_PORTS[$i]}" >>"$APPS_MANIFEST"
  done
  for i in "${!WORKER_NAMES[@]}"; do
    printf '%s\tworker\thttp://127.0.0.1:%s/readyz\n' "${WORKER_NAMES[$i]}" "${WORKER_PORTS[$i]}" >>"$APPS_MANIFEST"
  done
}

# Every app name that has a pid file in RUN_DIR, in the order to stop them:
# API replicas first (they drain), then nginx, the workers and the issuer.
running_app_names() {
  local file name
  for pattern in 'api' 'api-*' 'nginx' 'cache-projector' 'projector-*' 'dev-issuer'; do
    for file in "$RUN_DIR"/$pattern.pid; do
      [ -f "$file" ] || continue
      name="$(basename "$file" .pid)"
      echo "$name"
    done
  done
}
