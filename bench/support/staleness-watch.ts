/**
 * How stale the cache is: for every write the client saw acknowledged, the
 * time until the projector announced that version (or a newer one) on the
 * invalidation channel, which it does once the version is in Redis. A version
 * announced before the client had its answer counts as 0.
 */
import { createClient } from 'redis';
import { decodeInvalidation } from '@order-service/contracts';
import type { AcknowledgedWrite } from './mixed-load.js';

export interface StalenessSample {
  /** When the client had the write's answer, epoch milliseconds. */
  ackedAt: number;
  /** From the answer to the announcement. */
  staleMs: number;
}

export class StalenessWatch {
  readonly samples: StalenessSample[] = [];
  readonly #subscriber: ReturnType<typeof createClient>;
  readonly #channel: string;
  /** Highest version announced per order. */
  readonly #announced = new Map<string, number>();
  /** Acknowledged writes not yet announced, per order. */
  readonly #pending = new Map<string, AcknowledgedWrite[]>();

  constructor(redisUrl: string, channel: string) {
    this.#subscriber = createClient({ url: redisUrl });
    this.#channel = channel;
  }

  async start(): Promise<void> {
    await this.#subscriber.connect();
    await this.#subscriber.subscribe(this.#channel, (message) => this.#onMessage(message, Date.now()));
  }

  async stop(): Promise<void> {
    if (this.#subscriber.isOpen) await this.#subscriber.quit();
  }

  /** Writes acknowledged and never announced so far. */
  get unannounced(): number {
    let count = 0;
    for (const writes of this.#pending.values()) count += writes.length;
    return count;
  }

  record(write: AcknowledgedWrite): void {
    if ((this.#announced.get(write.orderUid) ?? 0) >= write.version) {
      this.samples.push({ ackedAt: write.ackedAt, staleMs: 0 });
      return;
    }
    const writes = this.#pending.get(write.orderUid) ?? [];
    writes.push(write);
    this.#pending.set(write.orderUid, writes);
  }

  #onMessage(message: string, at: number): void {
    for (const { orderUid, version } of decodeInvalidation(message) ?? []) {
      if (version === undefined) continue;
      if (version > (this.#announced.get(orderUid) ?? 0)) this.#announced.set(orderUid, version);
      const writes = this.#pending.get(orderUid);
      if (!writes) continue;
      const still = writes.filter((write) => {
        if (write.version > version) return true;
        this.samples.push({ ackedAt: write.ackedAt, staleMs: Math.max(0, at - write.ackedAt) });
        return false;
      });
      if (still.length > 0) this.#pending.set(orderUid, still);
      else this.#pending.delete(orderUid);
    }
  }
}
