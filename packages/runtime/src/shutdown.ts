import { errorFields } from './error-fields.js';

/** The logger methods shutdown handling needs. */
interface ShutdownLog {
  info(message: string, meta?: object): unknown;
  warn(message: string, meta?: object): unknown;
  error(message: string, meta?: object): unknown;
}

/**
 * SIGTERM or SIGINT stops the service gracefully within `deadlineMs`; a second
 * signal, or the deadline passing, exits at once.
 */
export function stopOnSignals({ logger, deadlineMs, stop }: { logger: ShutdownLog; deadlineMs: number; stop: () => Promise<void> }): void {
  let received = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    received += 1;
    if (received > 1) {
      logger.warn('second signal: exiting at once', { signal });
      process.exit(130);
    }
    logger.info('shutting down', { signal, deadline_ms: deadlineMs });
    setTimeout(() => {
      logger.error('shutdown deadline passed: exiting');
      process.exit(1);
    }, deadlineMs).unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { err: errorFields(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
