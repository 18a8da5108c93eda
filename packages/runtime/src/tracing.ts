/**
 * OpenTelemetry tracing of a service: started only when the standard OTEL_*
 * variables ask for it, and then before the composition root is imported, so
 * the instrumentations (pg, node-redis) patch those modules as
 * they load. With tracing off nothing of the SDK is imported: the apps' spans
 * and the logger's trace fields go to @opentelemetry/api's no-op tracer.
 */
import type convict from 'convict';
import { edgeSamplingOf, honouringEdgeDecision, SDK_DECIDES, type EdgeSampling } from './edge-sampling.js';
import type { Logger } from './logger.js';

/**
 * The OTEL_* variables that decide whether and how to trace, read through
 * convict like every other setting (so `.env` and the README's table cover
 * them) and handed to the SDK explicitly. The SDK and its OTLP exporter read
 * the other standard variables (OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT,
 * OTEL_RESOURCE_ATTRIBUTES, OTEL_PROPAGATORS, ...) from the process
 * environment themselves.
 */
export interface TracingConfig {
  sdkDisabled: boolean;
  exporter: '' | 'otlp' | 'console' | 'none';
  endpoint: string;
  tracesEndpoint: string;
  protocol: 'http/protobuf' | 'http/json';
  serviceName: string;
  sampler: 'always_on' | 'always_off' | 'traceidratio' | 'parentbased_always_on' | 'parentbased_always_off' | 'parentbased_traceidratio';
  samplerArg: string;
}

/** The `tracing` section of each app's convict schema. */
export const tracingConfigSchema: convict.Schema<TracingConfig> = {
  sdkDisabled: { doc: 'OpenTelemetry: true turns tracing off whatever else is set.', format: Boolean, default: false, env: 'OTEL_SDK_DISABLED' },
  exporter: {
    doc: 'OpenTelemetry: where spans go (otlp, console or none); tracing starts when this or an OTLP endpoint is set.',
    format: ['', 'otlp', 'console', 'none'],
    default: '',
    env: 'OTEL_TRACES_EXPORTER',
  },
  endpoint: {
    doc: 'OpenTelemetry: base URL of the OTLP/HTTP receiver (traces go to its /v1/traces); setting it starts tracing.',
    format: String,
    default: '',
    env: 'OTEL_EXPORTER_OTLP_ENDPOINT',
  },
  tracesEndpoint: {
    doc: 'OpenTelemetry: full URL spans are posted to, instead of the endpoint plus /v1/traces; setting it starts tracing.',
    format: String,
    default: '',
    env: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  },
  protocol: {
    doc: 'OpenTelemetry: OTLP encoding, http/protobuf or http/json.',
    format: ['http/protobuf', 'http/json'],
    default: 'http/protobuf',
    env: 'OTEL_EXPORTER_OTLP_PROTOCOL',
  },
  serviceName: { doc: "OpenTelemetry: the spans' service.name; empty for the app's own name.", format: String, default: '', env: 'OTEL_SERVICE_NAME' },
  sampler: {
    doc: 'OpenTelemetry: which traces are recorded; the parentbased_ ones follow the caller (and, downstream, the write).',
    format: ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'],
    default: 'parentbased_always_on',
    env: 'OTEL_TRACES_SAMPLER',
  },
  samplerArg: {
    doc: 'OpenTelemetry: the ratio of the traceidratio samplers, 0 to 1 (empty: 1).',
    format: (value: unknown) => {
      if (value === '' || value === undefined) return;
      const ratio = Number(value);
      if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) throw new Error('must be a number from 0 to 1');
    },
    default: '',
    env: 'OTEL_TRACES_SAMPLER_ARG',
  },
};

/** Whether the variables ask for tracing: an exporter other than none, or an OTLP endpoint, and the SDK not disabled. */
export function tracingRequested(config: TracingConfig): boolean {
  if (config.sdkDisabled || config.exporter === 'none') return false;
  return config.exporter !== '' || config.endpoint !== '' || config.tracesEndpoint !== '';
}

let started = false;
let edgeSampling: EdgeSampling = SDK_DECIDES;

/** Whether this process started the SDK: the apps install their own span-making parts only then. */
export function tracingStarted(): boolean {
  return started;
}

/** How the HTTP edge samples the requests that arrive without a trace, under the sampler the SDK started with. */
export function httpEdgeSampling(): EdgeSampling {
  return edgeSampling;
}

/** A started SDK: flushes the spans still buffered and stops. */
export interface RunningTracing {
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK for `service` when the configuration asks
 * for it, importing it only then; resolves with undefined otherwise. Spans:
 * PostgreSQL statements and Redis commands made inside a span (the relay's
 * poll and the readiness pings start no trace of their own), besides the
 * apps' own: the HTTP server span (traceHttpRequests) and the Kafka spans.
 */
export async function startTracing(config: TracingConfig, service: string, logger: Logger): Promise<RunningTracing | undefined> {
  if (!tracingRequested(config)) return undefined;
  const [{ startNodeSdk }, sdkTrace, { PgInstrumentation }, { RedisInstrumentation }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/instrumentation-redis'),
  ]);
  const exporter = config.exporter === 'console' ? new sdkTrace.ConsoleSpanExporter() : await otlpExporter(config);
  const ratio = config.samplerArg === '' ? 1 : Number(config.samplerArg);
  const root = {
    always_on: () => new sdkTrace.AlwaysOnSampler(),
    always_off: () => new sdkTrace.AlwaysOffSampler(),
    traceidratio: () => new sdkTrace.TraceIdRatioBasedSampler(ratio),
  };
  const configured = config.sampler.startsWith('parentbased_')
    ? new sdkTrace.ParentBasedSampler({ root: root[config.sampler.slice('parentbased_'.length) as keyof typeof root]() })
    : root[config.sampler as keyof typeof root]();
  const sdk = startNodeSdk({
    resourceAttributes: { 'service.name': config.serviceName || service },
    sampler: honouringEdgeDecision(configured),
    spanProcessors: [new sdkTrace.BatchSpanProcessor({ exporter })],
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [new PgInstrumentation({ requireParentSpan: true }), new RedisInstrumentation({ requireParentSpan: true })],
  });
  started = true;
  edgeSampling = edgeSamplingOf(config.sampler, ratio);
  logger.info('tracing started', {
    exporter: config.exporter || 'otlp',
    protocol: config.protocol,
    sampler: config.sampler,
    ...(config.samplerArg !== '' && { sampler_arg: ratio }),
  });
  return { shutdown: () => sdk.shutdown() };
}

async function otlpExporter(config: TracingConfig) {
  const url = config.tracesEndpoint || (config.endpoint ? `${config.endpoint.replace(/\/$/, '')}/v1/traces` : undefined);
  const options = url === undefined ? {} : { url };
  if (config.protocol === 'http/json') return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter(options);
  return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter(options);
}
