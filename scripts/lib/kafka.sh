# A single-node Apache Kafka broker in KRaft mode, fetched from Maven Central.
# The libraries are shared; each port's broker keeps its configuration, data,
# log and pid file in a folder of its own, so brokers on two ports never clash.
# shellcheck shell=bash
source "$ROOT/scripts/lib/processes.sh"
KAFKA_HOME="$LOCAL/kafka"

kafka_use_port() { # port: the broker the functions below act on
  KAFKA_PORT=$1
  KAFKA_CONTROLLER_PORT=$((KAFKA_PORT + 1))
  KAFKA_DIR="$KAFKA_HOME/broker-$KAFKA_PORT"
}
kafka_use_port "${KAFKA_BROKERS##*:}"

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
  # The broker on 9092 kept its data in .local/kafka/data before brokers had folders of their own.
  if [ "$KAFKA_PORT" = 9092 ] && [ -d "$KAFKA_HOME/data" ] && [ ! -d "$KAFKA_DIR" ]; then
    mkdir -p "$KAFKA_DIR" && mv "$KAFKA_HOME/data" "$KAFKA_DIR/data"
  fi
  mkdir -p "$KAFKA_DIR/data"
  sed -e "s#@DATA@#$KAFKA_DIR/data#" -e "s#@PORT@#$KAFKA_PORT#" -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#" \
    "$ROOT/infra/kafka/server.properties" >"$KAFKA_DIR/server.properties"
  cp "$ROOT/infra/kafka/log4j2.properties" "$KAFKA_DIR/log4j2.properties"
  if [ ! -f "$KAFKA_DIR/data/meta.properties" ]; then
    java -cp "$KAFKA_HOME/libs/*" -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" -Dkafka.logs.dir="$KAFKA_DIR" \
      kafka.tools.StorageTool format --ignore-formatted \
      -t "$(java -cp "$KAFKA_HOME/libs/*" -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" -Dkafka.logs.dir="$KAFKA_DIR" kafka.tools.StorageTool random-uuid 2>/dev/null)" \
      -c "$KAFKA_DIR/server.properties" >/dev/null || die "could not format Kafka storage"
  fi
}

kafka_start() {
  if tcp_open 127.0.0.1 "$KAFKA_PORT"; then return 0; fi
  kafka_fetch
  kafka_configure
  log "starting Kafka (KRaft) on 127.0.0.1:$KAFKA_PORT, data in ${KAFKA_DIR#"$ROOT"/}"
  # A session of its own: a Ctrl-C to the terminal that started it does not reach it; scripts/down stops it.
  setsid nohup java -Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" -Dkafka.logs.dir="$KAFKA_DIR" \
    -cp "$KAFKA_HOME/libs/*" kafka.Kafka "$KAFKA_DIR/server.properties" \
    >"$KAFKA_DIR/stdout.log" 2>&1 </dev/null &
  write_pid_file "$KAFKA_DIR/kafka.pid" $! || die "Kafka exited at once; see $KAFKA_DIR/stdout.log"
  wait_tcp 127.0.0.1 "$KAFKA_PORT" 90 Kafka
}

kafka_stop() { # [--now]: the broker this checkout started on KAFKA_PORT, if it still runs
  stop_tracked "$KAFKA_DIR/kafka.pid" "kafka on port $KAFKA_PORT" 30 "$@"
}
