/**
 * A process that stops on signals through `stopOnSignals`, with a stop that
 * misbehaves as the first argument says: `blocks` holds the main thread in a
 * native wait (as a Kafka close that never returns can), `hangs` returns a
 * promise that never settles, `completes` stops at once. Prints "ready" once
 * the handlers are in place.
 */
import { createLogger, stopOnSignals } from '../../src/index.js';

const mode = process.argv[2];
const deadlineMs = Number(process.argv[3] ?? '1000');
const logger = createLogger({ level: 'info', service: 'stopping-service' });

const stops: Record<string, () => Promise<void>> = {
  blocks: async () => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  },
  hangs: () => new Promise<void>(() => undefined),
  completes: async () => undefined,
};
const stop = stops[mode ?? ''];
if (!stop) throw new Error(`unknown mode ${String(mode)}`);
stopOnSignals({ logger, deadlineMs, stop });
setInterval(() => undefined, 60_000);
process.stdout.write('ready\n');
