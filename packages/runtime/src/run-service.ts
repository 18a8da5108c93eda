import { describeConfigError } from './config-errors.js';
import { errorFields } from './error-fields.js';
import { createLogger, keepRunningWhenOutputCloses, type Logger } from './logger.js';
import { stopOnSignals } from './shutdown.js';

/** What every service's configuration has for the process around it. */
export interface ServiceConfig {
  log: { level: string; pretty: boolean };
  shutdown: { deadlineMs: number };
}

export interface ServiceDefinition<C extends ServiceConfig> {
  service: string;
  /** The convict schema, to name the variable behind a bad value. */
  schema: object;
  loadConfig: () => C;
  /** `drain`, when given, runs on a signal before `stop`: see stopOnSignals. */
  build: (config: C, logger: Logger) => { start(): Promise<unknown>; drain?(): Promise<void>; stop(): Promise<void> };
}

/**
 * The whole of a service's main: load the configuration (a bad value stops the
 * process naming its variable, exit 78), build the app, stop it on signals
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
  const app = build(config, logger);
  stopOnSignals({
    logger,
    deadlineMs: config.shutdown.deadlineMs,
    ...(app.drain && { drain: () => app.drain?.() ?? Promise.resolve() }),
    stop: () => app.stop(),
  });
  try {
    await app.start();
  } catch (error) {
    logger.error('start failed', { err: errorFields(error) });
    await app.stop().catch(() => undefined);
    process.exit(1);
  }
}
