#!/bin/sh
# Runs the mounted /etc/nginx/nginx.conf with two adaptations, each only where
# needed, so the file docker-compose.yml mounts stays the one a Docker user runs:
# - `resolver 127.0.0.11` is Docker's embedded DNS; podman's networks answer
#   names at the address /etc/resolv.conf gives, so that address is used;
# - an upstream server's `resolve` parameter needs nginx 1.27.3, and Debian
#   bookworm ships 1.22: without it the service name is resolved once, at
#   start, to every replica that exists then (the lb starts after they are healthy).
set -eu
conf=/etc/nginx/nginx.conf
run=/run/nginx-compose.conf
cp "$conf" "$run"
if ! grep -q '^nameserver 127\.0\.0\.11$' /etc/resolv.conf; then
  dns="$(awk '/^nameserver/ { print $2; exit }' /etc/resolv.conf)"
  sed -i "s/resolver 127\.0\.0\.11 /resolver $dns /" "$run"
fi
version="$(nginx -v 2>&1 | sed 's/.*nginx\///; s/ .*//')"
if [ "$(printf '%s\n1.27.3\n' "$version" | sort -V | head -1)" != 1.27.3 ]; then
  sed -i 's/^\(\s*server \S\+\) resolve /\1 /' "$run"
fi
nginx -t -q -c "$run"
[ "$1" = nginx ] && shift && exec nginx -c "$run" "$@"
exec "$@"
