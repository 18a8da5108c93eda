// Reads the apps' own metrics over their admin ports every few seconds and keeps the last window of points.
import type { OperationsHistory, OperationsSeries } from '../use-cases/read-operations.use-case.js';
import { operationsPoint, type OperationsPoint, type SamplerMemory, type Scrape } from './operations-point.js';
import { parsePrometheusText, type MetricSample } from './prometheus-text.js';

export interface MetricsSamplerOptions {
  /** The projectors' /metrics URLs (their admin ports). */
  projectorUrls: readonly string[];
  intervalMs: number;
  windowMs: number;
  /** Longest one read of a /metrics may take. */
  timeoutMs?: number;
}

type Source = { url: string; ok: boolean; error?: string };

/**
 * The operations view's history: one scrape of this API's admin port and of
 * every projector's per interval, turned into a point (operations-point.ts);
 * points older than the window are dropped. A source that does not answer is
 * named in `sources` and leaves its part of the point empty; nothing else
 * stops. Works without any Prometheus: the apps' own /metrics are the source.
 */
export class MetricsSampler implements OperationsHistory {
  readonly #options: MetricsSamplerOptions;
  readonly #points: OperationsPoint[] = [];
  readonly #memory: SamplerMemory = { newestAppliedSeconds: null };
  #sources: Source[] = [];
  #previous: Scrape | null = null;
  #apiUrl: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #sampling: Promise<void> | undefined;

  constructor(options: MetricsSamplerOptions) {
    this.#options = options;
  }

  /** Starts sampling `apiUrl` (this process's own /metrics, known once its admin server listens) and the projectors. */
  start(apiUrl: string): void {
    if (this.#timer) return;
    this.#apiUrl = apiUrl;
    void this.#sample();
    this.#timer = setInterval(() => void this.#sample(), this.#options.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#sampling;
  }

  recent(): OperationsSeries {
    return { intervalMs: this.#options.intervalMs, windowMs: this.#options.windowMs, points: [...this.#points], sources: this.#sources };
  }

  #sample(): Promise<void> {
    // One sampling at a time: a slow source skips a tick rather than piling reads up.
    this.#sampling ??= this.#read().finally(() => {
      this.#sampling = undefined;
    });
    return this.#sampling;
  }

  async #read(): Promise<void> {
    const apiUrl = this.#apiUrl;
    if (apiUrl === undefined) return;
    const atMs = Date.now();
    const [api, ...projectors] = await Promise.all([apiUrl, ...this.#options.projectorUrls].map((url) => this.#scrape(url)));
    this.#sources = [api!, ...projectors].map(({ source }) => source);
    const current: Scrape = { atMs, api: api!.samples, projectors: projectors.flatMap((p) => p.samples) };
    this.#points.push(operationsPoint(this.#previous, current, this.#memory));
    this.#previous = current;
    const oldest = atMs - this.#options.windowMs;
    while (this.#points.length > 0 && Date.parse(this.#points[0]!.at) < oldest) this.#points.shift();
  }

  async #scrape(url: string): Promise<{ source: Source; samples: MetricSample[] }> {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.#options.timeoutMs ?? 2_000) });
      if (!res.ok) return { source: { url, ok: false, error: `HTTP ${res.status}` }, samples: [] };
      return { source: { url, ok: true }, samples: parsePrometheusText(await res.text()) };
    } catch (error) {
      return { source: { url, ok: false, error: error instanceof Error ? error.message : String(error) }, samples: [] };
    }
  }
}
