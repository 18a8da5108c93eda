import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createLogger, type Logger } from '@order-service/runtime';
import { testEnvironment, uniqueName } from '../../../../test/support/environment.js';
import { buildApp, type ProjectorApp } from '../../src/composition-root.js';
import { loadProjectorConfig, type ProjectorConfig } from '../../src/config.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** What distinguishes one test's projectors from another's. */
export interface ProjectorSetting {
  topic: string;
  deadLetterTopic: string;
  groupId: string;
  keyPrefix: string;
  redisUrl?: string;
  /** host:port of Redis Cluster nodes; absent for the single test Redis. */
  redisClusterNodes?: readonly string[];
  invalidationChannel?: string;
  groupInstanceId?: string;
  maxBatchSize?: number;
  /** Brokers other than the test broker (a cluster the test started). */
  kafkaBrokers?: string[];
}

/** The projector's environment for a test: real servers, quick retries, a short session timeout so a killed worker is noticed soon. */
export function projectorEnvironment(setting: ProjectorSetting): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PROJECTOR_PORT: '0',
    KAFKA_BROKERS: (setting.kafkaBrokers ?? testEnvironment.kafkaBrokers).join(','),
    KAFKA_TOPIC: setting.topic,
    KAFKA_DLQ_TOPIC: setting.deadLetterTopic,
    KAFKA_GROUP_ID: setting.groupId,
    KAFKA_CLIENT_ID: uniqueName('test-projector'),
    KAFKA_GROUP_INSTANCE_ID: setting.groupInstanceId ?? '',
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    PROJECTOR_MAX_BATCH_SIZE: String(setting.maxBatchSize ?? 2_000),
    PROJECTOR_RETRY_INITIAL_DELAY_MS: '50',
    PROJECTOR_RETRY_MAX_DELAY_MS: '500',
    REDIS_URL: setting.redisUrl ?? testEnvironment.redisUrl,
    REDIS_CLUSTER_NODES: (setting.redisClusterNodes ?? []).join(','),
    REDIS_KEY_PREFIX: setting.keyPrefix,
    CACHE_INVALIDATION_CHANNEL: setting.invalidationChannel ?? `${setting.keyPrefix}:invalidate`,
    LOG_LEVEL: 'error',
  };
}

export function projectorConfig(setting: ProjectorSetting): ProjectorConfig {
  return loadProjectorConfig({ env: projectorEnvironment(setting) });
}

export function testLogger(level = 'error'): Logger {
  return createLogger({ level, service: 'test-projector' });
}

/** A projector built in this process, as main.ts builds it. */
export async function startProjector(setting: ProjectorSetting): Promise<ProjectorApp> {
  const app = buildApp(projectorConfig(setting), testLogger());
  await app.start();
  return app;
}

/** A projector in a child process, run from source as in development. */
export class ProjectorProcess {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #child: ChildProcess;
  #output = '';

  private constructor(child: ChildProcess) {
    this.#child = child;
    const collect = (chunk: Buffer): void => {
      this.#output = (this.#output + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  }

  static start(setting: ProjectorSetting, extraEnvironment: Record<string, string> = {}): ProjectorProcess {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'apps/cache-projector/src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...projectorEnvironment(setting), LOG_LEVEL: 'info', ...extraEnvironment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ProjectorProcess(child);
  }

  /** The log so far (last 20 kB), for failure messages. */
  get output(): string {
    return this.#output;
  }

  /** Whether a JSON log line with this `msg` was written. */
  logged(message: string): boolean {
    return this.#output.includes(`"msg":"${message}"`);
  }

  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill(signal);
    return this.exited;
  }
}
