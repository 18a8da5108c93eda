# Chromium for the end-to-end tests of the web page (playwright-core drives it).
# Source after bootstrap.sh, which defines apt_install.
# shellcheck shell=bash

# Installs Debian's chromium (and a font, so screenshots show text) when missing,
# and exports CHROMIUM_PATH for the tests. Idempotent.
ensure_browser() {
  declare -F apt_install >/dev/null || die "source scripts/lib/bootstrap.sh before browser.sh"
  apt_install chromium fonts-dejavu-core
  local path
  path="$(command -v chromium || true)"
  [ -n "$path" ] || die "chromium is not on PATH after installing it"
  export CHROMIUM_PATH="$path"
  log "chromium: $CHROMIUM_PATH ($("$CHROMIUM_PATH" --version 2>/dev/null | head -1))"
}
