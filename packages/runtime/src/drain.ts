import type { ReadinessCheck } from './readiness.js';

/**
 * The first step of stopping a replica behind a load balancer: the replica
 * turns not-ready at once (its readiness check fails), then goes on serving
 * for the drain delay, long enough for the load balancer to notice and stop
 * sending it new requests. Only then does the service stop accepting.
 */
export class Drain {
  #startedAt: number | undefined;

  /** Fails once draining has begun, so /readyz answers 503 while requests are still served. */
  readonly readiness: ReadinessCheck = {
    name: 'serving',
    check: async () => {
      if (this.#startedAt !== undefined) throw new Error('draining: this replica is shutting down');
    },
  };

  get draining(): boolean {
    return this.#startedAt !== undefined;
  }

  /** Turns not-ready and resolves after `delayMs`; a second call waits out the first one's delay only. */
  async begin(delayMs: number): Promise<void> {
    const now = Date.now();
    this.#startedAt ??= now;
    const left = this.#startedAt + delayMs - now;
    if (left > 0) await new Promise<void>((resolve) => setTimeout(resolve, left));
  }
}
