#!/bin/bash
# Healthy when the broker answers a Kafka request on its internal listener: an
# ApiVersions request (v0, correlation id 1, no client id) must get a reply.
# An open port alone is not enough: the broker binds it before it serves.
set -eu
exec 3<>/dev/tcp/127.0.0.1/9092
printf '\x00\x00\x00\x0a\x00\x12\x00\x00\x00\x00\x00\x01\xff\xff' >&3
[ "$(head -c 4 <&3 | wc -c)" = 4 ]
