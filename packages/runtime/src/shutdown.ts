import { spawn } from 'node:child_process';
import { errorFields } from './error-fields.js';

/** The logger methods shutdown handling needs. */
interface ShutdownLog {
  info(message: string, meta?: object): unknown;
  warn(message: string, meta?: object): unknown;
  error(message: string, meta?: object): unknown;
}

/** How long after the deadline the watchdog process kills a service whose own timer did not fire. */
export const WATCHDOG_GRACE_MS = 1_000;

/**
 * SIGTERM or SIGINT stops the service gracefully within `deadlineMs`: first
 * `drain` (a replica turns not-ready and keeps serving while the load balancer
 * takes it out), then `stop`; both count against the deadline. A second
 * signal, the deadline passing, or an uncaught error while stopping ends the
 * process at once.
 *
 * "At once" is SIGKILL to itself, not `process.exit()`: exit joins libuv's
 * thread pool, and a Kafka consumer's close running there waits for its
 * rebalance callback on the main thread, so an exit during the close never
 * returns (the projector once sat so for ten minutes, deaf to SIGTERM).
 *
 * The deadline holds even when the main thread itself is stuck in a native
 * call and runs no timer: the first signal also starts a watchdog process that
 * kills this one `WATCHDOG_GRACE_MS` after the deadline. A worker thread would
 * not do: exit stops worker threads before it joins the thread pool.
 */
export function stopOnSignals({
  logger,
  deadlineMs,
  drain,
  stop,
}: {
  logger: ShutdownLog;
  deadlineMs: number;
  drain?: () => Promise<void>;
  stop: () => Promise<void>;
}): void {
  let received = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    received += 1;
    if (received > 1) {
      logger.warn('second signal: exiting at once', { signal });
      exitAtOnce();
    }
    logger.info('shutting down', { signal, deadline_ms: deadlineMs });
    startWatchdog(deadlineMs + WATCHDOG_GRACE_MS);
    process.on('uncaughtException', (error) => {
      logger.error('uncaught error while shutting down: exiting at once', { err: errorFields(error) });
      exitAtOnce();
    });
    setTimeout(() => {
      logger.error('shutdown deadline passed: exiting at once', { deadline_ms: deadlineMs });
      exitAtOnce();
    }, deadlineMs).unref();
    (drain ? drain() : Promise.resolve()).then(stop).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { err: errorFields(error) });
        exitAtOnce();
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** Ends the process without the exit path that waits for native work in the thread pool. */
function exitAtOnce(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL was sent to this process');
}

/**
 * A detached process (its own session, so a Ctrl-C to the terminal's group
 * does not end it) that SIGKILLs this one after `afterMs`, unless this one has
 * ended first: then the watchdog has been handed to another parent, which it
 * sees in its own ppid, and it leaves. A pid is never reused while its child
 * lives, so the pid it kills is this process.
 */
function startWatchdog(afterMs: number): void {
  const source = `
    const parent = Number(process.argv[1]);
    process.stderr.on('error', () => undefined);
    setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 100);
    setTimeout(() => {
      if (process.ppid !== parent) process.exit(0);
      process.stderr.write('shutdown watchdog: pid ' + parent + ' still running ' + process.argv[2] + ' ms after the signal: killing it\\n');
      process.kill(parent, 'SIGKILL');
      process.exit(0);
    }, Number(process.argv[2]));`;
  try {
    const watchdog = spawn(process.execPath, ['-e', source, String(process.pid), String(afterMs)], {
      detached: true,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {},
    });
    watchdog.on('error', () => undefined);
    watchdog.unref();
  } catch {
    // No watchdog (no process could be started): the deadline timer still holds while the main thread runs.
  }
}
