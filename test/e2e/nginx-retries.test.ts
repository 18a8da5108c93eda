/**
 * The load balancer's retry rules (scripts/lib/nginx-config.ts, the same as
 * infra/docker/nginx.conf) with real nginx in front of two real API
 * processes, one of which cannot reach PostgreSQL or Redis (its URLs name
 * ports nothing listens on), so it answers 503 to everything that needs the
 * database: GETs and writes with an Idempotency-Key are retried on the healthy
 * replica, writes without one are not and the client gets that 503. Then the
 * broken replica is killed (kill -9): a refused connection is retried for
 * every request, keyed or not, since no replica received it.
 *
 * nginx runs with max_fails=0 here so that it keeps sending every other
 * request to the broken replica instead of leaving it out for fail_timeout.
 * Ports 19785-19799.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { anOrder } from '@order-service/domain/testing';
import { nginxConfig } from '../../scripts/lib/nginx-config.js';
import { createTestTopic, deleteTestTopic } from '../../apps/api/test/support/api-harness.js';
import { testEnvironment, uniqueName } from '../support/environment.js';
import { testIssuer } from '../support/test-issuer.js';

const root = new URL('../../', import.meta.url).pathname;
const NGINX_PORT = 19_785;
const HEALTHY = { port: 19_786, admin: 19_787 };
const BROKEN = { port: 19_788, admin: 19_789 };
/** Nothing listens here: the broken replica's PostgreSQL and Redis. */
const DEAD_PORT = 19_799;

async function waitFor200(url: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(url).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await sleep(250);
  }
}

describe('nginx in front of two API replicas, one answering 503 (real nginx and processes)', function () {
  this.timeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), 'order-service-nginx-'));
  const accessLog = join(dir, 'access.log');
  const processes: ChildProcess[] = [];
  let topic: string;
  let token: string;

  const start = (command: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
    processes.push(child);
    return child;
  };
  const startApi = async (ports: { port: number; admin: number }, env: Record<string, string>): Promise<ChildProcess> => {
    const issuer = await testIssuer();
    return start(process.execPath, ['--conditions=source', '--import', 'tsx', 'apps/api/src/main.ts'], {
      ...issuer.apiEnv,
      NODE_ENV: 'test',
      LOG_LEVEL: 'error',
      PORT: String(ports.port),
      ADMIN_PORT: String(ports.admin),
      KAFKA_TOPIC: topic,
      KAFKA_BROKERS: testEnvironment.kafkaBrokers.join(','),
      CACHE_BACKEND: 'redis',
      REDIS_KEY_PREFIX: uniqueName('nginx'),
      RATE_LIMIT_PER_SUBJECT: '0',
      RATE_LIMIT_PER_ADDRESS: '0',
      TRUST_PROXY: 'loopback',
      ...env,
    });
  };
  let broken: ChildProcess;

  before(async () => {
    topic = await createTestTopic('e2e-nginx');
    token = (await testIssuer()).staffToken;
    const healthy = startApi(HEALTHY, { DATABASE_URL: testEnvironment.databaseUrl, REDIS_URL: testEnvironment.redisUrl });
    broken = await startApi(BROKEN, {
      DATABASE_URL: `postgres://postgres@127.0.0.1:${DEAD_PORT}/orders`,
      REDIS_URL: `redis://127.0.0.1:${DEAD_PORT}/0`,
    });
    await healthy;
    writeFileSync(
      join(dir, 'nginx.conf'),
      nginxConfig({
        dir,
        upstreams: [{ name: 'api', ports: [HEALTHY.port, BROKEN.port] }],
        servers: [{ port: NGINX_PORT, upstream: 'api' }],
        accessLog,
        maxFails: 0,
        // One process, so that killing it leaves no worker listening.
        singleProcess: true,
      }),
    );
    start(process.env.NGINX_BIN ?? '/usr/sbin/nginx', ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')]);
    await waitFor200(`http://127.0.0.1:${HEALTHY.admin}/readyz`);
    // The broken replica is alive but never ready: its readiness names PostgreSQL.
    await waitFor200(`http://127.0.0.1:${BROKEN.admin}/healthz`);
    await waitFor200(`http://127.0.0.1:${BROKEN.port}/healthz`);
    await waitFor200(`http://127.0.0.1:${NGINX_PORT}/healthz`);
  });

  after(async () => {
    for (const child of processes) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await deleteTestTopic(topic);
    rmSync(dir, { recursive: true, force: true });
  });

  /** A client's answer, and each replica nginx tried for it with what that replica answered (a refused connection: 502). */
  interface Answer {
    status: number;
    attempts: Array<{ replica: number; status: number }>;
    body: string;
  }

  /** Sends `count` requests one after another through nginx; each answer's status with what nginx saw of the replicas. */
  const send = async (count: number, request: (i: number) => { method: string; path: string; body?: unknown; key?: string; ifMatch?: string }) => {
    const answers: Answer[] = [];
    for (let i = 0; i < count; i += 1) {
      const { method, path, body, key, ifMatch } = request(i);
      const requestId = uniqueName('retry');
      const res = await fetch(`http://127.0.0.1:${NGINX_PORT}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          'x-request-id': requestId,
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...(key !== undefined && { 'idempotency-key': key }),
          ...(ifMatch !== undefined && { 'if-match': ifMatch }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      await sleep(20); // nginx writes its access log line after the answer
      const line = readFileSync(accessLog, 'utf8')
        .split('\n')
        .find((l) => l.includes(requestId));
      const logged = line ? (JSON.parse(line) as { upstream: string; upstream_status: string }) : { upstream: '', upstream_status: '' };
      const addresses = logged.upstream.split(', ');
      const attempts = logged.upstream_status.split(', ').map((status, n) => ({ replica: Number(addresses[n]?.split(':')[1]), status: Number(status) }));
      answers.push({ status: res.status, attempts, body: text });
    }
    return answers;
  };
  const newOrder = (): Record<string, unknown> => {
    const order: Record<string, unknown> = { ...anOrder().build() };
    delete order.order_uid;
    return order;
  };
  const describe = (answers: readonly Answer[]): string =>
    answers.map((a) => `${a.status} (${a.attempts.map((t) => `${t.replica === BROKEN.port ? 'broken' : 'healthy'} ${t.status}`).join(', ')})`).join('; ');
  /** Whether every failed attempt (`failed`: 503 or 502) was followed by one on the other replica. */
  const retriedAfter = (answer: Answer, failed: number): boolean =>
    answer.attempts.every((attempt, n) => {
      if (attempt.status !== failed) return true;
      const next = answer.attempts[n + 1];
      return next !== undefined ? next.replica !== attempt.replica : answer.attempts.length === 2;
    });
  /** Went to the broken replica first, got its 503, and was answered by the healthy one. */
  const savedFrom503 = (answer: Answer): boolean =>
    answer.attempts[0]?.replica === BROKEN.port && answer.attempts[0].status === 503 && answer.attempts[1]?.replica === HEALTHY.port;

  // What nginx does is checked, not what the healthy replica answers: on a busy shared PostgreSQL it may answer 503 itself.
  it('retries GETs and keyed writes on the other replica when one answers 503, and never a write without a key', async () => {
    const keyed = await send(12, (i) => ({ method: 'POST', path: '/orders', body: newOrder(), key: uniqueName(`k${i}`) }));
    expect(
      keyed.every((a) => retriedAfter(a, 503)),
      describe(keyed),
    ).to.equal(true);
    expect(keyed.filter(savedFrom503).length, `keyed POSTs retried past the broken replica: ${describe(keyed)}`).to.be.at.least(3);
    const uids = keyed.filter((a) => a.status === 201).map((a) => (JSON.parse(a.body) as { order_uid: string }).order_uid);
    expect(uids.length, describe(keyed)).to.be.at.least(6);

    const reads = await send(12, (i) => ({ method: 'GET', path: `/orders/${uids[i % uids.length]}` }));
    expect(
      reads.every((a) => retriedAfter(a, 503)),
      describe(reads),
    ).to.equal(true);
    expect(reads.filter(savedFrom503).length, describe(reads)).to.be.at.least(3);
    expect(reads.filter((a) => a.status === 200).length, describe(reads)).to.be.at.least(6);

    const keyedPuts = await send(6, (i) => ({
      method: 'PUT',
      path: `/orders/${uids[i]}`,
      body: { ...newOrder(), order_uid: uids[i], entry: 'V2' },
      key: uniqueName(`p${i}`),
      ifMatch: '"v1"',
    }));
    expect(
      keyedPuts.every((a) => retriedAfter(a, 503)),
      describe(keyedPuts),
    ).to.equal(true);
    expect(keyedPuts.filter(savedFrom503).length, describe(keyedPuts)).to.be.at.least(1);

    // Without a key a write goes to one replica only: the broken one's 503 is the client's answer.
    const unkeyed = await send(12, () => ({ method: 'POST', path: '/orders', body: newOrder() }));
    expect(
      unkeyed.every((a) => a.attempts.length === 1 && a.attempts[0]?.status === a.status),
      describe(unkeyed),
    ).to.equal(true);
    expect(unkeyed.filter((a) => a.attempts[0]?.replica === BROKEN.port && a.status === 503).length, describe(unkeyed)).to.be.at.least(3);
    const unkeyedPuts = await send(6, (i) => ({
      method: 'PUT',
      path: `/orders/${uids[i]}`,
      body: { ...newOrder(), order_uid: uids[i], entry: 'V3' },
    }));
    expect(
      unkeyedPuts.every((a) => a.attempts.length === 1),
      describe(unkeyedPuts),
    ).to.equal(true);
    expect(unkeyedPuts.filter((a) => a.attempts[0]?.replica === BROKEN.port && a.status === 503).length, describe(unkeyedPuts)).to.be.at.least(1);
  });

  it('retries every request, keyed or not, once the broken replica is gone and refuses connections (kill -9)', async () => {
    broken.kill('SIGKILL');
    await once(broken, 'exit');
    const answers = await send(12, (i) => (i % 2 === 0 ? { method: 'POST', path: '/orders', body: newOrder() } : { method: 'GET', path: '/healthz' }));
    expect(
      answers.every((a) => retriedAfter(a, 502) && a.status !== 502),
      describe(answers),
    ).to.equal(true);
    expect(
      answers.filter((a) => a.attempts[0]?.replica === BROKEN.port && a.attempts[0].status === 502 && a.attempts[1]?.replica === HEALTHY.port).length,
      `requests that met the refused connection and went on: ${describe(answers)}`,
    ).to.be.at.least(1);
    expect(answers.filter((a) => a.status === 201 || a.status === 200).length, describe(answers)).to.be.at.least(6);
  });
});
