import { runService } from '@order-service/runtime';
import { loadProjectorConfig, projectorConfigSchema } from './config.js';

// The composition root is imported inside build, after tracing started: the instrumentations patch the modules it loads.
await runService({
  service: 'order-cache-projector',
  schema: projectorConfigSchema,
  loadConfig: () => loadProjectorConfig({ dotenvPath: '.env' }),
  build: async (config, logger) => (await import('./composition-root.js')).buildApp(config, logger),
});
