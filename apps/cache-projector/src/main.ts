import { createLogger, describeConfigError, errorFields, stopOnSignals } from '@order-service/runtime';
import { loadProjectorConfig, projectorConfigSchema, type ProjectorConfig } from './config.js';
import { buildApp } from './composition-root.js';

let config: ProjectorConfig;
try {
  config = loadProjectorConfig({ dotenvPath: '.env' });
} catch (error) {
  process.stderr.write(`order-cache-projector: invalid configuration:\n${describeConfigError(error, projectorConfigSchema)}\n`);
  process.exit(78);
}

const logger = createLogger({ level: config.log.level, pretty: config.log.pretty, service: 'order-cache-projector' });
const app = buildApp(config, logger);
stopOnSignals({ logger, deadlineMs: config.shutdown.deadlineMs, stop: () => app.stop() });

try {
  await app.start();
} catch (error) {
  logger.error('start failed', { err: errorFields(error) });
  await app.stop().catch(() => undefined);
  process.exit(1);
}
