# Apache Kafka in KRaft mode, fetched from Maven Central: a single broker, or a
# cluster of N combined broker+controller nodes with an N-voter quorum, all from
# the same jars. The libraries are shared; each node keeps its configuration,
# data, log and pid file in a folder of its own, so brokers on other ports never
# clash. A node listens on its port and its controller on the port after it;
# node i of a cluster whose first port is P listens on P + 2(i-1).
#   single broker on 9092:   .local/kafka/broker-9092
#   3 nodes from 9092:       .local/kafka/cluster-9092/broker-{9092,9094,9096}
# KAFKA_CLUSTER_HOME moves the node folders elsewhere (tests use a temporary
# one); KAFKA_HEAP_OPTS sizes each JVM.
# shellcheck shell=bash
source "$ROOT/scripts/lib/processes.sh"
KAFKA_HOME="$LOCAL/kafka"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}"

kafka_use_node() { # first-port count index: node `index` (1-based) of a cluster of `count` nodes
  local first=$1 count=$2 index=$3 i
  KAFKA_PORT=$((first + 2 * (index - 1)))
  KAFKA_CONTROLLER_PORT=$((KAFKA_PORT + 1))
  KAFKA_NODE_ID=$index
  KAFKA_CLUSTER_SIZE=$count
  KAFKA_VOTERS=""
  for ((i = 1; i <= count; i++)); do KAFKA_VOTERS+="${KAFKA_VOTERS:+,}$i@127.0.0.1:$((first + 2 * (i - 1) + 1))"; done
  if ((count == 1)); then
    KAFKA_DIR="${KAFKA_CLUSTER_HOME:-$KAFKA_HOME}/broker-$KAFKA_PORT"
    KAFKA_CLUSTER_DIR="$KAFKA_DIR"
  else
    KAFKA_CLUSTER_DIR="${KAFKA_CLUSTER_HOME:-$KAFKA_HOME}/cluster-$first"
    KAFKA_DIR="$KAFKA_CLUSTER_DIR/broker-$KAFKA_PORT"
  fi
}

kafka_use_port() { # port: the single broker the functions below act on
  kafka_use_node "$1" 1 1
}
kafka_use_port "${KAFKA_BROKERS##*:}"

kafka_bootstrap_servers() { # first-port count -> host:port,... of every node
  local i out=""
  for ((i = 0; i < $2; i++)); do out+="${out:+,}127.0.0.1:$(($1 + 2 * i))"; done
  echo "$out"
}

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

kafka_java() { # args...: java with the broker's classpath and this node's logging
  java -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" -Dkafka.logs.dir="$KAFKA_DIR" -cp "$KAFKA_HOME/libs/*" "$@"
}

# A KRaft cluster id: 16 random bytes in base64url, as Kafka's own Uuid makes them. Like Kafka,
# an id that starts with "-" is drawn again: the storage tool would read it as an option.
kafka_ensure_cluster_id() { # file
  [ -s "$1" ] && return 0
  local id=-
  while [[ $id == -* ]]; do id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"; done
  printf '%s' "$id" >"$1"
}

kafka_configure() {
  # The broker on 9092 kept its data in .local/kafka/data before brokers had folders of their own.
  if [ "$KAFKA_PORT" = 9092 ] && ((KAFKA_CLUSTER_SIZE == 1)) && [ -d "$KAFKA_HOME/data" ] && [ ! -d "$KAFKA_DIR" ]; then
    mkdir -p "$KAFKA_DIR" && mv "$KAFKA_HOME/data" "$KAFKA_DIR/data"
  fi
  mkdir -p "$KAFKA_DIR/data"
  # Internal topics are replicated like the project's: min(3, nodes), acknowledged by one less.
  local rf=$((KAFKA_CLUSTER_SIZE < 3 ? KAFKA_CLUSTER_SIZE : 3))
  local isr=$((rf > 1 ? rf - 1 : 1))
  sed -e "s#@DATA@#$KAFKA_DIR/data#" -e "s#@PORT@#$KAFKA_PORT#" -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#" \
    -e "s#@NODE_ID@#$KAFKA_NODE_ID#" -e "s#@VOTERS@#$KAFKA_VOTERS#" -e "s#@INTERNAL_RF@#$rf#" -e "s#@INTERNAL_MIN_ISR@#$isr#" \
    "$ROOT/infra/kafka/server.properties" >"$KAFKA_DIR/server.properties"
  cp "$ROOT/infra/kafka/log4j2.properties" "$KAFKA_DIR/log4j2.properties"
  if [ ! -f "$KAFKA_DIR/data/meta.properties" ]; then
    # Every node of a cluster is formatted with the same cluster id, kept beside them.
    local id_file="$KAFKA_CLUSTER_DIR/cluster.id"
    kafka_ensure_cluster_id "$id_file"
    kafka_java kafka.tools.StorageTool format --ignore-formatted -t "$(cat "$id_file")" -c "$KAFKA_DIR/server.properties" >/dev/null ||
      die "could not format Kafka storage in $KAFKA_DIR"
  fi
}

kafka_launch() { # starts the current node's JVM unless its port answers; does not wait for it
  if tcp_open 127.0.0.1 "$KAFKA_PORT"; then return 0; fi
  kafka_configure
  log "starting Kafka (KRaft, node $KAFKA_NODE_ID of $KAFKA_CLUSTER_SIZE) on 127.0.0.1:$KAFKA_PORT, data in ${KAFKA_DIR#"$ROOT"/}"
  # A session of its own: a Ctrl-C to the terminal that started it does not reach it; scripts/down stops it.
  # shellcheck disable=SC2086
  setsid nohup java $KAFKA_HEAP_OPTS -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" -Dkafka.logs.dir="$KAFKA_DIR" \
    -cp "$KAFKA_HOME/libs/*" kafka.Kafka "$KAFKA_DIR/server.properties" \
    >"$KAFKA_DIR/stdout.log" 2>&1 </dev/null &
  write_pid_file "$KAFKA_DIR/kafka.pid" $! || die "Kafka exited at once; see $KAFKA_DIR/stdout.log"
}

kafka_start() { # the single broker on KAFKA_PORT
  kafka_fetch
  kafka_launch
  wait_tcp 127.0.0.1 "$KAFKA_PORT" 90 Kafka
}

kafka_stop() { # [--now]: the node this checkout started on KAFKA_PORT, if it still runs
  stop_tracked "$KAFKA_DIR/kafka.pid" "kafka on port $KAFKA_PORT" 30 "$@"
}

# A node's broker port opens once the quorum has a leader, which needs a
# majority of the voters: every JVM is launched before any port is waited for.
kafka_cluster_start() { # first-port count
  local i
  kafka_fetch
  # Formatting is a JVM start per node: all at once. The cluster id is made first, for all of them.
  kafka_use_node "$1" "$2" 1
  mkdir -p "$KAFKA_CLUSTER_DIR"
  kafka_ensure_cluster_id "$KAFKA_CLUSTER_DIR/cluster.id"
  for ((i = 1; i <= $2; i++)); do (kafka_use_node "$1" "$2" "$i" && tcp_open 127.0.0.1 "$KAFKA_PORT" || kafka_configure) & done
  wait
  for ((i = 1; i <= $2; i++)); do kafka_use_node "$1" "$2" "$i" && kafka_launch; done
  for ((i = 1; i <= $2; i++)); do kafka_use_node "$1" "$2" "$i" && wait_tcp 127.0.0.1 "$KAFKA_PORT" 120 "Kafka node $i"; done
}

kafka_node_start() { # first-port count index: one node of a cluster again (after it was killed)
  kafka_use_node "$1" "$2" "$3"
  kafka_launch
  wait_tcp 127.0.0.1 "$KAFKA_PORT" 120 "Kafka node $3"
}

kafka_cluster_stop() { # first-port count [--now]
  local i
  for ((i = $2; i >= 1; i--)); do kafka_use_node "$1" "$2" "$i" && kafka_stop "${@:3}"; done
}
