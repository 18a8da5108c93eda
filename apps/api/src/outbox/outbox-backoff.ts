import { ExponentialBackoff, halfJitterGenerator } from 'cockatiel';

/**
 * The relay's pause between failed attempts (publishing, or reconnecting its
 * LISTEN connection): exponential from 100 ms up to `maxMs`, each pause drawn
 * from the upper half of its step so replicas do not retry in step.
 */
export function outboxBackoff(maxMs: number): ExponentialBackoff<number> {
  return new ExponentialBackoff({ initialDelay: 100, maxDelay: maxMs, generator: halfJitterGenerator });
}
