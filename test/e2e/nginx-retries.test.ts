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

  /** Sends `count` requests one after another through nginx; each answer's status with what nginx saw of the replicas. */
  const send = async (count: number, request: (i: number) => { method: string; path: string; body?: unknown; key?: string; ifMatch?: string }) => {
    const answers: Array<{ status: number; upstreams: string; body: string }> = [];
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
      answers.push({ status: res.status, upstreams: line ? String((JSON.parse(line) as { upstream_status: string }).upstream_status) : '?', body: text });
    }
    return answers;
  };
  const newOrder = (): Record<string, unknown> => {
    const order: Record<string, unknown> = { ...anOrder().build() };
    delete order.order_uid;
    return order;
  };
  const statuses = (answers: Array<{ status: number; upstreams: string }>): string[] => answers.map((a) => `${a.status} (${a.upstreams})`);

  it('retries GETs and keyed writes on the other replica when one answers 503, and never a write without a key', async () => {
    const keyed = await send(12, (i) => ({ method: 'POST', path: '/orders', body: newOrder(), key: uniqueName(`k${i}`) }));
    expect(
      keyed.every((a) => a.status === 201),
      statuses(keyed).join(', '),
    ).to.equal(true);
    expect(
      keyed.some((a) => a.upstreams === '503, 201'),
      `a keyed POST went to the broken replica first and was retried: ${statuses(keyed).join(', ')}`,
    ).to.equal(true);
    const uids = keyed.map((a) => (JSON.parse(a.body) as { order_uid: string }).order_uid);

    const reads = await send(12, (i) => ({ method: 'GET', path: `/orders/${uids[i % uids.length]}` }));
    expect(
      reads.every((a) => a.status === 200),
      statuses(reads).join(', '),
    ).to.equal(true);
    expect(
      reads.some((a) => a.upstreams === '503, 200'),
      statuses(reads).join(', '),
    ).to.equal(true);

    const keyedPuts = await send(12, (i) => ({
      method: 'PUT',
      path: `/orders/${uids[i]}`,
      body: { ...newOrder(), order_uid: uids[i], entry: 'V2' },
      key: uniqueName(`p${i}`),
      ifMatch: '"v1"',
    }));
    expect(
      keyedPuts.every((a) => a.status === 200),
      statuses(keyedPuts).join(', '),
    ).to.equal(true);

    // Without a key the 503 is the client's answer; the replica that answered it stored nothing.
    const unkeyed = await send(12, () => ({ method: 'POST', path: '/orders', body: newOrder() }));
    expect(unkeyed.filter((a) => a.status === 503).length, statuses(unkeyed).join(', ')).to.be.greaterThan(0);
    expect(
      unkeyed.every((a) => (a.status === 503 && a.upstreams === '503') || (a.status === 201 && a.upstreams === '201')),
      statuses(unkeyed).join(', '),
    ).to.equal(true);
    const unkeyedPuts = await send(12, (i) => ({
      method: 'PUT',
      path: `/orders/${uids[i]}`,
      body: { ...newOrder(), order_uid: uids[i], entry: 'V3' },
    }));
    expect(unkeyedPuts.filter((a) => a.status === 503).length, statuses(unkeyedPuts).join(', ')).to.be.greaterThan(0);
    expect(
      unkeyedPuts.every((a) => a.upstreams === String(a.status)),
      statuses(unkeyedPuts).join(', '),
    ).to.equal(true);
  });

  it('retries every request, keyed or not, once the broken replica is gone and refuses connections (kill -9)', async () => {
    broken.kill('SIGKILL');
    await once(broken, 'exit');
    const answers = await send(12, (i) => (i % 2 === 0 ? { method: 'POST', path: '/orders', body: newOrder() } : { method: 'GET', path: '/healthz' }));
    expect(
      answers.every((a) => a.status === 201 || a.status === 200),
      statuses(answers).join(', '),
    ).to.equal(true);
    expect(
      answers.some((a) => a.upstreams.startsWith('502, ')),
      `a request met the refused connection and went on: ${statuses(answers).join(', ')}`,
    ).to.equal(true);
  });
});
