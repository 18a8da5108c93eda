import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { testEnvironment, uniqueName } from '../support/environment.js';

const run = promisify(execFile);

/** Whether the process runs; a zombie (ended, not yet reaped by its new parent) does not. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}
const root = new URL('../../', import.meta.url).pathname;

async function status(url: string): Promise<number | string> {
  try {
    return (await fetch(url)).status;
  } catch (error) {
    return (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : String(error);
  }
}

describe('./scripts/up --detach and ./scripts/down (real processes)', function () {
  this.timeout(300_000);
  const runDir = mkdtempSync(join(tmpdir(), 'order-service-up-'));
  // Ports of their own, so a system already running here (or another run of this test) cannot answer for these apps.
  const apiPort = 20_000 + Math.floor(Math.random() * 9_000);
  const projectorPort = apiPort + 1;
  const adminPort = apiPort + 2;
  const env = {
    ...process.env,
    RUN_DIR: runDir,
    PORT: String(apiPort),
    PROJECTOR_PORT: String(projectorPort),
    ADMIN_PORT: String(adminPort),
    DATABASE_URL: testEnvironment.databaseUrl,
    REDIS_URL: testEnvironment.redisUrl,
    REDIS_KEY_PREFIX: uniqueName('up'),
    KAFKA_TOPIC: uniqueName('up-orders'),
    KAFKA_GROUP_ID: uniqueName('up-group'),
  };

  after(async () => {
    await run(join(root, 'scripts/down'), [], { env, cwd: root }).catch(() => undefined);
    rmSync(runDir, { recursive: true, force: true });
  });

  it('brings both apps to /readyz 200 past pid files left holding an unrelated live pid, and down stops them and only them', async () => {
    // A stale pid file whose pid the kernel has given to another process: in the old format (a pid alone), and
    // with a start time that is not that process's.
    const unrelated = spawn('sleep', ['600'], { stdio: 'ignore' });
    after(() => unrelated.kill('SIGKILL'));
    const unrelatedPid = unrelated.pid ?? 0;
    writeFileSync(join(runDir, 'api.pid'), `${unrelatedPid}\n`);
    writeFileSync(join(runDir, 'cache-projector.pid'), `${unrelatedPid} 1\n`);

    await run(join(root, 'scripts/up'), ['--detach'], { env, cwd: root, maxBuffer: 64 * 1024 * 1024 });
    expect(await status(`http://127.0.0.1:${adminPort}/readyz`)).to.equal(200);
    expect(await status(`http://127.0.0.1:${projectorPort}/readyz`)).to.equal(200);
    // The README's curl: without a token 401, with one from ./scripts/token (the development issuer up runs) 200.
    const orders = `http://127.0.0.1:${apiPort}/orders?limit=1`;
    const withoutToken = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', orders]);
    expect(withoutToken.stdout).to.equal('401');
    const { stdout: token } = await run(join(root, 'scripts/token'), [], { env, cwd: root });
    const withToken = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', `authorization: Bearer ${token.trim()}`, orders]);
    expect(withToken.stdout).to.equal('200');
    const pidIn = (name: string): number => Number(readFileSync(join(runDir, `${name}.pid`), 'utf8').split(' ')[0]);
    const started = [pidIn('api'), pidIn('cache-projector'), pidIn('dev-issuer')];
    expect(started).not.to.include(unrelatedPid);

    await run(join(root, 'scripts/down'), [], { env, cwd: root });
    for (const pid of started) expect(isRunning(pid)).to.equal(false);
    expect(isRunning(unrelatedPid), 'the unrelated process is left alone').to.equal(true);
    expect(unrelated.exitCode).to.equal(null);
    expect(await status(`http://127.0.0.1:${adminPort}/readyz`)).to.be.a('string');
    expect(await status(`http://127.0.0.1:${projectorPort}/readyz`)).to.be.a('string');
    // The servers the tests run on were not started by up, so down left them running.
    const kafkaPort = Number((testEnvironment.kafkaBrokers[0] ?? '127.0.0.1:9092').split(':')[1]);
    expect(kafkaPort).to.be.above(0);
    const { stdout } = await run('bash', ['-c', `(exec 3<>/dev/tcp/127.0.0.1/${kafkaPort}) && echo open`]);
    expect(stdout.trim()).to.equal('open');
  });
});
