import type { IdempotencyClaim, IdempotencyStore } from '../use-cases/idempotency-store.js';
import type { RecordedResponse } from '../use-cases/order-repository.js';

/**
 * The IdempotencyStore port in memory, for unit specs of the use cases. A key
 * is claimed until `complete` (what the repository's write does in
 * PostgreSQL) or `release`; leases never expire here.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly keys = new Map<string, { fingerprint: string; response?: RecordedResponse }>();

  async claim(key: string, fingerprint: string): Promise<IdempotencyClaim> {
    const entry = this.keys.get(key);
    if (!entry) {
      this.keys.set(key, { fingerprint });
      return { state: 'claimed' };
    }
    if (entry.fingerprint !== fingerprint) return { state: 'mismatch' };
    return entry.response ? { state: 'replay', response: entry.response } : { state: 'in-flight' };
  }

  async release(key: string): Promise<void> {
    if (this.keys.get(key)?.response === undefined) this.keys.delete(key);
  }

  /** Records the answer of the claimed key's write. */
  complete(key: string, response: RecordedResponse): void {
    const entry = this.keys.get(key);
    if (entry) entry.response = response;
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }
}
