import type client from 'prom-client';

/** One sample of a scrape, as prom-client's registry renders it. */
export interface SeriesValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/** The counts of one label set; hold on to it and observe through it. */
export class HistogramSeries {
  readonly #bounds: readonly number[];
  /** Observations per bucket, not cumulative; the last slot is above every bound. */
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    bounds: readonly number[],
  ) {
    this.#bounds = bounds;
    this.#counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`a histogram observes finite numbers, not ${value}`);
    let bucket = 0;
    while (bucket < this.#bounds.length && value > (this.#bounds[bucket] as number)) bucket += 1;
    this.#counts[bucket] = (this.#counts[bucket] as number) + 1;
    this.#sum += value;
    this.#count += 1;
  }

  /** The series as prom-client renders a histogram's: cumulative `_bucket`s up to `+Inf`, `_sum` and `_count`. */
  values(name: string): SeriesValue[] {
    const values: SeriesValue[] = [];
    let cumulative = 0;
    this.#bounds.forEach((bound, bucket) => {
      cumulative += this.#counts[bucket] as number;
      values.push({ metricName: `${name}_bucket`, labels: { ...this.labels, le: bound }, value: cumulative });
    });
    values.push(
      { metricName: `${name}_bucket`, labels: { ...this.labels, le: '+Inf' }, value: this.#count },
      { metricName: `${name}_sum`, labels: { ...this.labels }, value: this.#sum },
      { metricName: `${name}_count`, labels: { ...this.labels }, value: this.#count },
    );
    return values;
  }
}

/**
 * A Prometheus histogram for the hottest path, exposed exactly as
 * prom-client's own. prom-client's Histogram validates and hashes the label
 * set and turns the bucket bound into a property name on every observation,
 * which was a fifth of the cost of a cached read; here the caller looks up a
 * series once per label set (see `series`) and an observation is a bucket
 * search and three additions. It registers on a prom-client registry through
 * the registry's public metric contract (`get`, `reset`), so scrapes, default
 * labels and both exposition formats work as for any other metric.
 */
export class SeriesHistogram<L extends string> {
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  readonly #series = new Map<string, HistogramSeries>();
  readonly #bounds: readonly number[];

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[],
    buckets: readonly number[],
    registry: client.Registry,
  ) {
    this.#bounds = [...buckets].sort((a, b) => a - b);
    // prom-client types metrics as its own classes (and `type` as a numeric enum, where it renders a string); its registry reads only name, help, type, aggregator, get() and reset().
    registry.registerMetric(this as unknown as client.Metric);
  }

  /** The series of a label set, made on first use; `key` must identify the label values (callers build it cheaply). */
  series(key: string, labels: () => Record<L, string>): HistogramSeries {
    let series = this.#series.get(key);
    if (series === undefined) {
      const values = labels();
      series = new HistogramSeries(Object.fromEntries(this.labelNames.map((name) => [name, values[name]])), this.#bounds);
      this.#series.set(key, series);
    }
    return series;
  }

  /** prom-client's metric contract: what a scrape renders. */
  async get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: client.Aggregator; values: SeriesValue[] }> {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: [...this.#series.values()].flatMap((series) => series.values(this.name)),
    };
  }

  /** prom-client's metric contract: `registry.resetMetrics()` forgets every series. */
  reset(): void {
    this.#series.clear();
  }
}
