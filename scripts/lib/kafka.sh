# A single-node Apache Kafka broker in KRaft mode, fetched from Maven Central.
# shellcheck shell=bash
KAFKA_HOME="$LOCAL/kafka"
KAFKA_PORT="${KAFKA_BROKERS##*:}"
KAFKA_CONTROLLER_PORT=$((KAFKA_PORT + 1))

kafka_fetch() {
  local want
  want="$(sha1sum "$ROOT/infra/kafka/pom.xml" | cut -d' ' -f1)"
  [ -f "$KAFKA_HOME/libs.stamp" ] && [ "$(cat "$KAFKA_HOME/libs.stamp")" = "$want" ] && return 0
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
  log "fetching Apache Kafka from Maven Central into .local/kafka/libs"
  rm -rf "$KAFKA_HOME/libs"
  mvn -q -B -f "$ROOT/infra/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_HOME/libs" || die "Maven could not fetch Kafka"
  echo "$want" >"$KAFKA_HOME/libs.stamp"
}

kafka_configure() {
  mkdir -p "$KAFKA_HOME/data"
  sed -e "s#@DATA@#$KAFKA_HOME/data#" -e "s#@PORT@#$KAFKA_PORT#" -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#" \
    "$ROOT/infra/kafka/server.properties" >"$KAFKA_HOME/server.properties"
  cp "$ROOT/infra/kafka/log4j2.properties" "$KAFKA_HOME/log4j2.properties"
  if [ ! -f "$KAFKA_HOME/data/meta.properties" ]; then
    java -cp "$KAFKA_HOME/libs/*" -Dlog4j2.configurationFile="$KAFKA_HOME/log4j2.properties" -Dkafka.logs.dir="$KAFKA_HOME" \
      kafka.tools.StorageTool format --ignore-formatted \
      -t "$(java -cp "$KAFKA_HOME/libs/*" -Dlog4j2.configurationFile="$KAFKA_HOME/log4j2.properties" -Dkafka.logs.dir="$KAFKA_HOME" kafka.tools.StorageTool random-uuid 2>/dev/null)" \
      -c "$KAFKA_HOME/server.properties" >/dev/null || die "could not format Kafka storage"
  fi
}

kafka_running() {
  [ -f "$KAFKA_HOME/kafka.pid" ] && kill -0 "$(cat "$KAFKA_HOME/kafka.pid")" 2>/dev/null
}

kafka_start() {
  if tcp_open 127.0.0.1 "$KAFKA_PORT"; then return 0; fi
  kafka_fetch
  kafka_configure
  log "starting Kafka (KRaft) on 127.0.0.1:$KAFKA_PORT"
  nohup java -Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_HOME/log4j2.properties" -Dkafka.logs.dir="$KAFKA_HOME" \
    -cp "$KAFKA_HOME/libs/*" kafka.Kafka "$KAFKA_HOME/server.properties" \
    >"$KAFKA_HOME/stdout.log" 2>&1 &
  echo $! >"$KAFKA_HOME/kafka.pid"
  wait_tcp 127.0.0.1 "$KAFKA_PORT" 90 Kafka
}

kafka_stop() {
  kafka_running || return 0
  local pid
  pid="$(cat "$KAFKA_HOME/kafka.pid")"
  kill "$pid" 2>/dev/null
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$KAFKA_HOME/kafka.pid"
  log "kafka stopped"
}
