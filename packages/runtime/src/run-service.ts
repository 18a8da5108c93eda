import { describeConfigError } from './config-errors.js';
import { errorFields } from './error-fields.js';
import { createLogger, keepRunningWhenOutputCloses, type Logger } from './logger.js';
import { stopOnSignals } from './shutdown.js';
import { startTracing, type TracingConfig } from './tracing.js';

/** What every service's configuration has for the process around it. */
export interface ServiceConfig {
  log: { level: string; pretty: boolean };
  shutdown: { deadlineMs: number };
  tracing: TracingConfig;
}

export interface ServiceDefinition<C extends ServiceConfig> {
  service: string;
  /** The convict schema, to name the variable behind a bad value. */
  schema: object;
  loadConfig: () => C;
  /**
   * Builds the app. Import the composition root inside it (`await import(...)`):
   * it then loads after tracing started, which the instrumentations need.
   */
  build: (config: C, logger: Logger) => ServiceApp | Promise<ServiceApp>;
}

export interface ServiceApp {
  start(): Promise<unknown>;
  /** When given, runs on a signal before `stop`: see stopOnSignals. */
  drain?(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole of a service's main: load the configuration (a bad value stops the
 * process naming its variable, exit 78), start tracing when the OTEL_*
 * variables ask for it, build the app, stop it on signals
 * within the shutdown deadline, start it (a failed start stops what started,
 * exit 1). A closed stdout drops log lines and stops nothing.
 */
export async function runService<C extends ServiceConfig>({ service, schema, loadConfig, build }: ServiceDefinition<C>): Promise<void> {
  let config: C;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`${service}: invalid configuration:\n${describeConfigError(error, schema)}\n`);
    process.exit(78);
  }
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty, service });
  keepRunningWhenOutputCloses(logger);
  let tracing: Awaited<ReturnType<typeof startTracing>>;
  let app: ServiceApp;
  try {
    tracing = await startTracing(config.tracing, service, logger);
    app = await build(config, logger);
  } catch (error) {
    logger.error('start failed', { err: errorFields(error) });
    process.exit(1);
  }
  stopOnSignals({
    logger,
    deadlineMs: config.shutdown.deadlineMs,
    ...(app.drain && { drain: () => app.drain?.() ?? Promise.resolve() }),
    stop: async () => {
      await app.stop();
      // The spans of the stop itself go out too.
      await tracing?.shutdown().catch((error: unknown) => logger.warn('tracing shutdown failed', { err: errorFields(error) }));
    },
  });
  try {
    await app.start();
  } catch (error) {
    logger.error('start failed', { err: errorFields(error) });
    await app.stop().catch(() => undefined);
    process.exit(1);
  }
}
