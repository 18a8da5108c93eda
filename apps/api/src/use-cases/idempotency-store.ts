import type { RecordedResponse } from './order-repository.js';

/** The outcome of claiming an Idempotency-Key for a request. */
export type IdempotencyClaim = { state: 'claimed' } | { state: 'replay'; response: RecordedResponse } | { state: 'mismatch' } | { state: 'in-flight' };

/**
 * Remembers which request each Idempotency-Key was first used for and the
 * answer it got. The answer is recorded by the write itself, in its transaction
 * (see OrderRepository.create), so a key is never "done" without its order.
 */
export interface IdempotencyStore {
  /** Claims the key for a request with this fingerprint; a claim abandoned for `leaseMs` may be taken over. */
  claim(key: string, fingerprint: string, leaseMs: number): Promise<IdempotencyClaim>;
  /** Gives up a claim whose request failed, so that a retry can run. */
  release(key: string): Promise<void>;
}
