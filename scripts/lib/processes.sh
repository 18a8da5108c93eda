# Starting and stopping the system's own processes (the apps, the broker),
# tracked by pid files that name the process: "<pid> <start time>", the start
# time being field 22 of /proc/<pid>/stat (clock ticks after boot). A pid the
# kernel has since given to another process has another start time, so it is
# never taken for the app nor signalled.
# shellcheck shell=bash
RUN_DIR="${RUN_DIR:-$LOCAL/run}"
mkdir -p "$RUN_DIR"

proc_start_time() { # pid -> its start time; fails when no such process runs (a zombie has ended)
  local stat rest
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  rest="${stat##*) }" # the command name before it may hold spaces and parentheses
  # shellcheck disable=SC2086
  set -- $rest
  [ "$1" != Z ] || return 1
  echo "${20}"
}

write_pid_file() { # file pid
  local start
  start="$(proc_start_time "$2")" || return 1
  echo "$2 $start" >"$1"
}

tracked_pid() { # pid-file -> the pid, when that process still runs; fails otherwise
  local pid="" start=""
  [ -f "$1" ] || return 1
  read -r pid start <"$1" || true
  [[ "$pid" =~ ^[0-9]+$ && -n "$start" ]] || return 1
  [ "$(proc_start_time "$pid")" = "$start" ] || return 1
  echo "$pid"
}

# Seconds a stopping app gets before SIGKILL: its own shutdown deadline and a margin.
app_grace_seconds() { echo $((${SHUTDOWN_DEADLINE_MS:-15000} / 1000 + 5)); }

stop_app() { # name [--now]
  stop_tracked "$RUN_DIR/$1.pid" "$1" "$(app_grace_seconds)" "${@:2}"
}

start_detached() { # name command...
  local name=$1 pid; shift
  if pid="$(tracked_pid "$RUN_DIR/$name.pid")"; then
    log "$name already running (pid $pid)"
    return 0
  fi
  # Every descriptor redirected, so that nothing holds the caller's stdout open;
  # a session of its own, so that no terminal's signals reach it; exec makes
  # the recorded pid the app's own.
  (cd "$ROOT" && exec setsid nohup "$@") >>"$RUN_DIR/$name.log" 2>&1 </dev/null &
  write_pid_file "$RUN_DIR/$name.pid" $! || die "$name exited at once; see $RUN_DIR/$name.log"
  log "$name started (pid $!, log $RUN_DIR/$name.log)"
}

# SIGTERM, then SIGKILL once grace-seconds have passed, or at once with --now
# or when STOP_NOW is set meanwhile (a second Ctrl-C).
stop_tracked() { # pid-file name grace-seconds [--now]
  local file=$1 name=$2 grace=$3 pid deadline
  if ! pid="$(tracked_pid "$file")"; then
    rm -f "$file"
    return 0
  fi
  if [ "${4:-}" = --now ]; then
    kill -KILL "$pid" 2>/dev/null || true
  else
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + grace))
    while tracked_pid "$file" >/dev/null && ((SECONDS < deadline)) && ((!${STOP_NOW:-0})); do sleep 0.2 || true; done
    tracked_pid "$file" >/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  deadline=$((SECONDS + 5))
  while tracked_pid "$file" >/dev/null && ((SECONDS < deadline)); do sleep 0.1 || true; done
  rm -f "$file"
  log "$name stopped"
}

wait_ready() { # url seconds what: fails when STOP_REQUESTED is set meanwhile
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    ((!${STOP_REQUESTED:-0})) || return 1
    ((SECONDS < deadline)) || die "$3 was not ready at $1 within $2 s"
    sleep 0.5 || true
  done
}
