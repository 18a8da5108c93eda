import { errorFields } from './error-fields.js';

/** The logger methods a state log writes with; a winston logger fits. */
export interface StateLogSink {
  warn(message: string, meta?: object): unknown;
  info(message: string, meta?: object): unknown;
}

export interface DependencyStateLogOptions {
  /** Least time between two summary lines while the dependency stays down. Default 30 s. */
  summaryIntervalMs?: number;
  /**
   * Asked while the dependency is down, every `probeIntervalMs`, for a client
   * that reports errors but no recovery (librdkafka): it resolving means the
   * dependency is back.
   */
  probe?: () => Promise<unknown>;
  /** Pause between two probes while down. Default 2 s. */
  probeIntervalMs?: number;
  now?: () => number;
}

/**
 * The up/down state of one dependency (PostgreSQL, Redis, Kafka, the LISTEN
 * connection) as log lines, so that a client retrying every few milliseconds
 * writes one warn line when the dependency goes down, at most one summary per
 * `summaryIntervalMs` while it stays down (the failures since the previous
 * line, the latest error), and one info line when it is back, with how long it
 * was down. Clients report every failure with `down` and every success with
 * `up`; repeating either is what makes it cheap to call from every retry.
 */
export class DependencyStateLog {
  private state: 'unknown' | 'up' | 'down' = 'unknown';
  private downSince = 0;
  private lastLineAt = 0;
  private failures = 0;
  private failuresSinceLine = 0;
  private lastError: string | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly summaryIntervalMs: number;
  private readonly probeIntervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly logger: StateLogSink,
    /** What the lines name: `postgres`, `redis`, `kafka`, `outbox LISTEN connection`. */
    readonly dependency: string,
    private readonly options: DependencyStateLogOptions = {},
  ) {
    this.summaryIntervalMs = options.summaryIntervalMs ?? 30_000;
    this.probeIntervalMs = options.probeIntervalMs ?? 2_000;
    this.now = options.now ?? Date.now;
  }

  /** Whether the latest report was a failure. */
  get isDown(): boolean {
    return this.state === 'down';
  }

  /** A failure: the first after a success is a warn line, the rest are counted into summaries. */
  down(error?: unknown): void {
    if (this.closed) return;
    const now = this.now();
    const message = error === undefined ? undefined : typeof error === 'string' ? error : errorFields(error).message;
    if (message !== undefined) this.lastError = message;
    this.failures += 1;
    if (this.state !== 'down') {
      this.state = 'down';
      this.downSince = now;
      this.lastLineAt = now;
      this.failures = 1;
      this.failuresSinceLine = 0;
      this.logger.warn(`${this.dependency} is down`, { dependency: this.dependency, ...(message !== undefined && { error: message }) });
      this.scheduleProbe();
      return;
    }
    this.failuresSinceLine += 1;
    if (now - this.lastLineAt < this.summaryIntervalMs) return;
    this.logger.warn(`${this.dependency} is still down`, {
      dependency: this.dependency,
      down_for_ms: now - this.downSince,
      failures_since_last_line: this.failuresSinceLine,
      ...(this.lastError !== undefined && { error: this.lastError }),
    });
    this.lastLineAt = now;
    this.failuresSinceLine = 0;
  }

  /** A success: after a failure, one info line with how long the dependency was down; the first ever, one line that it is up. */
  up(): void {
    if (this.closed || this.state === 'up') return;
    const wasDown = this.state === 'down';
    this.state = 'up';
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    if (wasDown) {
      this.logger.info(`${this.dependency} is back`, { dependency: this.dependency, down_for_ms: this.now() - this.downSince, failures: this.failures });
    } else {
      this.logger.info(`${this.dependency} is up`, { dependency: this.dependency });
    }
  }

  /** Stops probing and reporting (the client is closing: its last errors are not an outage). */
  close(): void {
    this.closed = true;
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
  }

  private scheduleProbe(): void {
    const probe = this.options.probe;
    if (!probe || this.probeTimer !== undefined) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      probe().then(
        () => this.up(),
        (error: unknown) => {
          if (this.state !== 'down') return;
          this.down(error);
          this.scheduleProbe();
        },
      );
    }, this.probeIntervalMs).unref();
  }
}
