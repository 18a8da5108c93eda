import convict from 'convict';
import dotenv from 'dotenv';

export interface LoadConfigOptions {
  /** Variables to read (the app's config.ts passes the process environment; tests pass their own). */
  env: NodeJS.ProcessEnv;
  /** A .env file merged under the environment; ignored when absent. */
  dotenvPath?: string;
}

/** Reads and validates a convict schema strictly; throws naming every bad key. */
export function loadConfig<T>(schema: convict.Schema<T>, { env, dotenvPath }: LoadConfigOptions): T {
  const fromFile = dotenvPath ? (dotenv.config({ path: dotenvPath, processEnv: {}, quiet: true }).parsed ?? {}) : {};
  const config = convict<T>(schema, { env: { ...fromFile, ...env }, args: [] });
  config.validate({ allowed: 'strict' });
  return config.getProperties();
}
