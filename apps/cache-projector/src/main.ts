import { runService } from '@order-service/runtime';
import { buildApp } from './composition-root.js';
import { loadProjectorConfig, projectorConfigSchema } from './config.js';

await runService({
  service: 'order-cache-projector',
  schema: projectorConfigSchema,
  loadConfig: () => loadProjectorConfig({ dotenvPath: '.env' }),
  build: buildApp,
});
