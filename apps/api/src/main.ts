import { runService } from '@order-service/runtime';
import { buildApp } from './composition-root.js';
import { apiConfigSchema, loadApiConfig } from './config.js';

await runService({ service: 'order-api', schema: apiConfigSchema, loadConfig: () => loadApiConfig({ dotenvPath: '.env' }), build: buildApp });
