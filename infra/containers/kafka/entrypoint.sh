#!/bin/sh
# Writes the broker's configuration from KAFKA_ADVERTISED_LISTENERS and
# KAFKA_DATA_DIR, formats the storage on first start, then runs the broker.
set -eu
: "${KAFKA_ADVERTISED_LISTENERS:?e.g. INTERNAL://kafka:9092,EXTERNAL://127.0.0.1:19092}"
conf=/tmp/server.properties
sed -e "s#@ADVERTISED@#$KAFKA_ADVERTISED_LISTENERS#" -e "s#@DATA@#$KAFKA_DATA_DIR#" /opt/kafka/config/server.properties >"$conf"
java_opts="-Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties -Dkafka.logs.dir=/tmp -Djava.awt.headless=true"
if [ ! -f "$KAFKA_DATA_DIR/meta.properties" ]; then
  # shellcheck disable=SC2086
  java $java_opts -cp '/opt/kafka/libs/*' kafka.tools.StorageTool format --ignore-formatted \
    -t "$(java $java_opts -cp '/opt/kafka/libs/*' kafka.tools.StorageTool random-uuid)" -c "$conf" >/dev/null
fi
# shellcheck disable=SC2086
exec java $KAFKA_HEAP_OPTS -XX:+UseG1GC $java_opts -cp '/opt/kafka/libs/*' kafka.Kafka "$conf"
