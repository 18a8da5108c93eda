import { runService } from '@order-service/runtime';
import { apiConfigSchema, loadApiConfig } from './config.js';

// The composition root is imported inside build, after tracing started: the instrumentations patch the modules it loads.
await runService({
  service: 'order-api',
  schema: apiConfigSchema,
  loadConfig: () => loadApiConfig({ dotenvPath: '.env' }),
  build: async (config, logger) => (await import('./composition-root.js')).buildApp(config, logger),
});
