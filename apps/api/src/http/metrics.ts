import type { Request, Response, Router } from 'express';
import { Router as createRouter } from 'express';
import { LATENCY_BUCKETS, prometheus, SeriesHistogram, type MetricsRegistry } from '@order-service/metrics';
import type { ReadTier } from '../use-cases/order-reader.js';
import { methodNotAllowed } from './method-not-allowed.js';

/** The API's own metrics, registered on the app's registry. */
export class ApiMetrics {
  readonly httpDuration: SeriesHistogram<'method' | 'route' | 'status'>;
  readonly cacheAnswers: prometheus.Counter<'tier'>;
  readonly publishLatency: prometheus.Histogram;
  readonly published: prometheus.Counter;
  /** Reads per tier, counted in plain numbers on the read path and handed to the counter at scrape time. */
  readonly #reads: Record<ReadTier | 'miss', number> = { lru: 0, redis: 0, postgres: 0, miss: 0 };

  constructor(readonly registry: MetricsRegistry) {
    this.httpDuration = new SeriesHistogram(
      'http_request_duration_seconds',
      'HTTP request duration by route and status.',
      ['method', 'route', 'status'],
      LATENCY_BUCKETS,
      registry,
    );
    const reads = this.#reads;
    this.cacheAnswers = new prometheus.Counter({
      name: 'order_reads_total',
      help: 'Order reads by the tier that answered (lru, redis, postgres, miss).',
      labelNames: ['tier'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [tier, count] of Object.entries(reads)) if (count > 0) this.inc({ tier }, count);
      },
    });
    this.publishLatency = new prometheus.Histogram({
      name: 'outbox_publish_duration_seconds',
      help: 'Duration of one outbox publish: the Kafka send of a batch until every broker acknowledged it.',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
    this.published = new prometheus.Counter({
      name: 'outbox_published_total',
      help: 'Events published from the outbox.',
      registers: [registry],
    });
  }

  observeRead(tier: ReadTier | 'miss'): void {
    this.#reads[tier] += 1;
  }

  /** Gauges computed at scrape time from a source (the outbox backlog, the LRU size). */
  gauge(name: string, help: string, collect: () => Promise<number> | number): void {
    new prometheus.Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        this.set(await collect());
      },
    });
  }

  /**
   * Times the request under its route pattern (never the raw path, which
   * would explode the label set).
   */
  timeRequest(req: Request, res: Response): void {
    const started = performance.now();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      const { method } = req;
      const status = res.statusCode;
      this.httpDuration.series(`${method} ${status} ${route}`, () => ({ method, route, status: String(status) })).observe((performance.now() - started) / 1000);
    });
  }

  router(): Router {
    const router = createRouter();
    router
      .route('/metrics')
      .get(async (_req, res) => {
        res.type(this.registry.contentType).send(await this.registry.metrics());
      })
      .all(methodNotAllowed(['GET']));
    return router;
  }
}
