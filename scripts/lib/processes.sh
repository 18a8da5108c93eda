# Starting and stopping the system's own processes (the apps), tracked by pid files.
# shellcheck shell=bash
RUN_DIR="${RUN_DIR:-$LOCAL/run}"
mkdir -p "$RUN_DIR"

start_detached() { # name command...
  local name=$1; shift
  if [ -f "$RUN_DIR/$name.pid" ] && kill -0 "$(cat "$RUN_DIR/$name.pid")" 2>/dev/null; then
    log "$name already running (pid $(cat "$RUN_DIR/$name.pid"))"
    return 0
  fi
  # Every descriptor redirected, so that nothing holds the caller's stdout open;
  # exec makes the recorded pid the app's own.
  (cd "$ROOT" && exec nohup "$@") >>"$RUN_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$name.pid"
  log "$name started (pid $(cat "$RUN_DIR/$name.pid"), log $RUN_DIR/$name.log)"
}

stop_tracked() { # name
  local name=$1 pid
  [ -f "$RUN_DIR/$name.pid" ] || return 0
  pid="$(cat "$RUN_DIR/$name.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    log "$name stopped"
  fi
  rm -f "$RUN_DIR/$name.pid"
}

wait_ready() { # url seconds what
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    ((SECONDS < deadline)) || die "$3 was not ready at $1 within $2 s"
    sleep 0.5
  done
}
