import { Socket } from 'node:net';
import { KafkaJS } from '@confluentinc/kafka-javascript';

/** The few logger methods the Kafka client needs; a winston logger fits. */
export interface KafkaLogSink {
  error(message: string, meta?: object): unknown;
  warn(message: string, meta?: object): unknown;
  info(message: string, meta?: object): unknown;
  debug(message: string, meta?: object): unknown;
}

/** Where broker connectivity errors go instead of the log: a DependencyStateLog fits. */
export interface KafkaConnectivity {
  down(error: string): void;
}

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger: KafkaLogSink;
  /**
   * Takes librdkafka's connectivity errors (a broker refused, all brokers
   * down, a request timed out), which it repeats on every reconnect attempt,
   * so that an outage is a state change rather than lines per second.
   */
  connectivity?: KafkaConnectivity;
}

/** librdkafka's lines about reaching brokers, repeated on every reconnect while a broker is down. */
const CONNECTIVITY_ERROR =
  /transport failure|broker connections are down|brokers are down|connection refused|connect to .* failed|disconnected|timed out|failed to resolve|connection reset|ECONNREFUSED|_TRANSPORT|ALL_BROKERS_DOWN|coordinator load in progress|not coordinator/i;

/** Whether one of librdkafka's log lines (or its `fac`, the facility) is about reaching a broker. */
export function isConnectivityError(message: string, extra: unknown): boolean {
  const facility = (extra as { fac?: unknown } | undefined)?.fac;
  return CONNECTIVITY_ERROR.test(message) || facility === 'FAIL' || facility === 'BROKERFAIL';
}

/** Where a client's error and warning lines go: connectivity errors to `connectivity` when given, the rest to the log. */
export function routeClientLog(logger: KafkaLogSink, connectivity?: KafkaConnectivity): (level: 'error' | 'warn', message: string, extra: unknown) => void {
  return (level, message, extra) => {
    if (connectivity && isConnectivityError(message, extra)) connectivity.down(message);
    else logger[level](message, { kafka: extra });
  };
}

/**
 * Builds the client every producer, consumer and admin of the project comes
 * from, with librdkafka's log routed into the process logger.
 *
 * A broker that went away is tried again every 100 ms at first, backing off to
 * at most 1 s (librdkafka's default grows to 10 s): a broker restarted is used
 * within a second of accepting connections, not up to ten.
 */
export function createKafka({ brokers, clientId, logger, connectivity }: KafkaClientOptions): KafkaJS.Kafka {
  const route = routeClientLog(logger, connectivity);
  const sink: KafkaJS.Logger = {
    error: (message, extra) => route('error', message, extra),
    warn: (message, extra) => route('warn', message, extra),
    info: (message, extra) => void logger.debug(message, { kafka: extra }),
    debug: () => undefined,
    namespace: () => sink,
    setLogLevel: () => undefined,
  };
  return new KafkaJS.Kafka({
    kafkaJS: { brokers, clientId, logger: sink, logLevel: KafkaJS.logLevel.WARN },
    'reconnect.backoff.ms': 100,
    'reconnect.backoff.max.ms': 1_000,
  });
}

/**
 * Resolves once a TCP connection to any of `brokers` opens (and closes it);
 * rejects when none answers within `timeoutMs`. The probe that says a broker
 * is back, which librdkafka's log never says.
 */
export async function anyBrokerReachable(brokers: readonly string[], timeoutMs = 1_500): Promise<void> {
  const attempts = brokers.map(
    (broker) =>
      new Promise<void>((resolve, reject) => {
        const at = broker.lastIndexOf(':');
        const socket = new Socket();
        socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`${broker}: no answer within ${timeoutMs} ms`)));
        socket.once('error', reject);
        socket.connect(Number(broker.slice(at + 1)), broker.slice(0, at).replace(/^\[|\]$/g, ''), () => {
          socket.end();
          resolve();
        });
      }),
  );
  await Promise.any(attempts).catch((error: AggregateError) => {
    throw new Error(`no broker reachable: ${error.errors.map((e: unknown) => (e instanceof Error ? e.message : String(e))).join('; ')}`);
  });
}

/**
 * Producer settings for events that must not be lost or reordered: the
 * idempotent producer with acks from every in-sync replica, no linger (every
 * caller sends its batch in one call and awaits it, so waiting for more records
 * only adds latency: 2.4 ms against 0.3 ms per awaited send on loopback), and
 * retries bounded by the delivery timeout.
 */
export function reliableProducerConfig(deliveryTimeoutMs = 30_000): KafkaJS.ProducerConstructorConfig {
  return {
    'enable.idempotence': true,
    acks: -1,
    'linger.ms': 0,
    'compression.type': 'lz4',
    'message.timeout.ms': deliveryTimeoutMs,
    'socket.keepalive.enable': true,
    // Sends are small and latency-bound; Nagle would hold them for the previous segment's ACK.
    'socket.nagle.disable': true,
  };
}

export type { KafkaJS };
