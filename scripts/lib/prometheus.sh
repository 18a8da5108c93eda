# Prometheus for the alert rules' checks (promtool) and the end-to-end alert test.
# Source after bootstrap.sh, which defines apt_install.
# shellcheck shell=bash

# Installs Debian's prometheus package (prometheus and promtool) when missing and
# exports PROMETHEUS_BIN for the tests. The package's own service is not started:
# the test runs a Prometheus of its own. Idempotent.
ensure_prometheus() {
  declare -F apt_install >/dev/null || die "source scripts/lib/bootstrap.sh before prometheus.sh"
  apt_install prometheus
  command -v promtool >/dev/null || die "promtool is not on PATH after installing prometheus"
  export PROMETHEUS_BIN
  PROMETHEUS_BIN="$(command -v prometheus)"
  log "prometheus: $("$PROMETHEUS_BIN" --version 2>&1 | head -1)"
}
