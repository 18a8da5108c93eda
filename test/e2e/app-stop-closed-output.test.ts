import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { expect } from 'chai';
import { createTestTopic, deleteTestTopic } from '../../apps/api/test/support/api-harness.js';
import { testEnvironment, uniqueName } from '../support/environment.js';

const root = new URL('../../', import.meta.url).pathname;
const deadlineMs = 8_000;

/**
 * Each app started as ./scripts/up starts it, its output a pipe, and stopped
 * after the pipe's reader is gone: the case in which the projector once logged
 * "shutting down" and then hung until SIGKILL.
 */
describe('an app whose stdout reader has died still stops on SIGTERM (real processes and servers)', function () {
  this.timeout(120_000);
  let topic: string;
  before(async () => {
    topic = await createTestTopic('e2e-closed-output');
  });
  after(async () => {
    await deleteTestTopic(topic);
  });

  const apps = [
    // The projector is stopped once it holds partitions, so that its consumer's close has a revocation to run.
    { name: 'cache projector', main: 'apps/cache-projector/src/main.ts', portVariable: 'PROJECTOR_PORT', stopOnceLogged: 'partitions assigned' },
    { name: 'API', main: 'apps/api/src/main.ts', portVariable: 'PORT', stopOnceLogged: 'api listening' },
  ];
  for (const app of apps) {
    it(`the ${app.name} exits 0 within its deadline`, async () => {
      const port = 21_000 + Math.floor(Math.random() * 8_000);
      const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', app.main], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          NODE_ENV: 'test',
          LOG_LEVEL: 'info',
          [app.portVariable]: String(port),
          ADMIN_PORT: String(port + 1),
          SHUTDOWN_DEADLINE_MS: String(deadlineMs),
          DATABASE_URL: testEnvironment.databaseUrl,
          REDIS_URL: testEnvironment.redisUrl,
          REDIS_KEY_PREFIX: uniqueName('closed-output'),
          KAFKA_BROKERS: testEnvironment.kafkaBrokers.join(','),
          KAFKA_TOPIC: topic,
          KAFKA_DLQ_TOPIC: `${topic}.dlq`,
          KAFKA_GROUP_ID: uniqueName('closed-output-group'),
          CACHE_BACKEND: 'redis',
        },
      });
      const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      let output = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes(app.stopOnceLogged)) resolve();
        });
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.on('exit', () => reject(new Error(`the ${app.name} ended before it was up: ${output}`)));
      });

      // The reader goes away: every later write of the app meets a closed pipe.
      child.stdout.destroy();
      child.stderr.destroy();
      child.kill('SIGTERM');
      const [code, signal] = await Promise.race([
        exited,
        new Promise<[string, string]>((resolve) => setTimeout(() => resolve(['still running', 'none']), 3 * deadlineMs)),
      ]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');

      // Exit 0 is the graceful stop completed: past the deadline the process ends by SIGKILL.
      expect({ code, signal }, output).to.deep.equal({ code: 0, signal: null });
    });
  }
});
