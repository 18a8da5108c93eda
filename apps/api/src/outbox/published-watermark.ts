// Remembers how recent the newest event this relay published is: the API's half of the cache-staleness alert.
import type { OutboxPublisher, OutboxRow } from './outbox-ports.js';

const OCCURRED_AT = '"occurred_at":"';

/**
 * An OutboxPublisher that passes every batch on and, once Kafka acknowledged
 * it, remembers the newest event's `occurred_at`: the same instant the
 * projector reports for the events it applied, so the two compare exactly.
 * Compared with the newest event the projector applied, it says whether the
 * cache lacks published events (the projector may be down, so only this side
 * can say so).
 */
export class WatermarkedOutboxPublisher implements OutboxPublisher {
  #newestPublishedMs: number | null = null;

  constructor(private readonly publisher: OutboxPublisher) {}

  get connected(): boolean {
    return this.publisher.connected;
  }

  /** Unix time in ms of the newest event published by this process; null before the first. */
  get newestPublishedMs(): number | null {
    return this.#newestPublishedMs;
  }

  start(): void {
    this.publisher.start();
  }

  async publish(rows: readonly OutboxRow[]): Promise<void> {
    await this.publisher.publish(rows);
    let newest = this.#newestPublishedMs ?? Number.NEGATIVE_INFINITY;
    for (const row of rows) {
      const at = occurredAtMs(row.payload);
      if (at > newest) newest = at;
    }
    if (Number.isFinite(newest)) this.#newestPublishedMs = newest;
  }

  stop(): Promise<void> {
    return this.publisher.stop();
  }
}

/**
 * The envelope's `occurred_at`, found without parsing the whole document: the
 * envelope's fields precede the order, whose schema has no such key. NaN when
 * absent, which no comparison counts.
 */
function occurredAtMs(payload: string): number {
  const at = payload.indexOf(OCCURRED_AT);
  if (at < 0) return Number.NaN;
  const start = at + OCCURRED_AT.length;
  return Date.parse(payload.slice(start, payload.indexOf('"', start)));
}
