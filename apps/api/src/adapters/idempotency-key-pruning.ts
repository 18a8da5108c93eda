import type { Knex } from 'knex';
import { errorFields } from '@order-service/runtime';
import { IDEMPOTENCY_PRUNE_BATCH, pruneIdempotencyKeys } from './prune-idempotency-keys.js';

export interface IdempotencyKeyPruningOptions {
  /** Idempotency keys older than this are pruned. */
  retentionHours: number;
  /** How often a prune run starts. Default 5 minutes. */
  intervalMs?: number;
}

/** The logger methods the pruning uses; a winston logger fits. */
export interface PruningLog {
  info(message: string, meta?: object): unknown;
  warn(message: string, meta?: object): unknown;
}

const DEFAULT_INTERVAL_MS = 5 * 60_000;
/** A prune run deletes at most this many batches, so a large first clean-up is spread over several runs. */
const MAX_PRUNE_BATCHES_PER_RUN = 10;

/**
 * Deletes expired idempotency keys at start and then every interval, one run
 * at a time; a failed run is logged and the next interval tries again. Every
 * replica runs one: prune statements skip rows another replica is deleting.
 */
export class IdempotencyKeyPruning {
  private readonly intervalMs: number;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private pruning: Promise<void> | undefined;

  constructor(
    private readonly db: Knex,
    private readonly options: IdempotencyKeyPruningOptions,
    private readonly logger: PruningLog,
  ) {
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.timer = setInterval(() => this.prune(), this.intervalMs).unref();
    this.prune();
  }

  /** Stops the schedule and waits for a run in progress; safe to call twice. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    await this.pruning;
  }

  /** Starts a prune run unless one is running. */
  private prune(): void {
    if (!this.running || this.pruning !== undefined) return;
    this.pruning = this.pruneExpired().finally(() => {
      this.pruning = undefined;
    });
  }

  private async pruneExpired(): Promise<void> {
    const retentionHours = this.options.retentionHours;
    try {
      let deleted = 0;
      for (let batch = 0; batch < MAX_PRUNE_BATCHES_PER_RUN && this.running; batch += 1) {
        const count = await pruneIdempotencyKeys(this.db, retentionHours);
        deleted += count;
        if (count < IDEMPOTENCY_PRUNE_BATCH) break;
      }
      if (deleted > 0) this.logger.info('expired idempotency keys pruned', { deleted, retention_hours: retentionHours });
    } catch (error) {
      this.logger.warn('pruning idempotency keys failed; retrying at the next interval', { err: errorFields(error) });
    }
  }
}
