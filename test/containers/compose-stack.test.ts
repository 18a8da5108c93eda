/**
 * The containers for real: the images built from the project's Dockerfiles and
 * the docker-compose.yml stack run under podman (scripts/containers), then one
 * order's life through the load balancer, its events on the broker's topic, the
 * compose file's seeder, the loss of one API replica, and a clean `down`.
 * Fails, never skips, when containers cannot run here. Stage `containers` of
 * scripts/test, which holds a machine-wide lock around it (the stack publishes
 * fixed host ports and project names).
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { readTopicUntil } from '../../apps/api/test/support/topic-reader.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROJECT = 'order-service';
const EXTERNAL_BROKER = ['127.0.0.1:19092'];
const run = promisify(execFile);

/** A port nothing listens on now, for the load balancer on the host. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** scripts/containers with its output shown as it runs (builds and waits are long). */
function containers(env: NodeJS.ProcessEnv, ...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(`${ROOT}scripts/containers`, args, { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`scripts/containers ${args.join(' ')} exited ${code}`))));
  });
}

/** What scripts/containers prints on stdout. */
async function containersOutput(env: NodeJS.ProcessEnv, ...args: string[]): Promise<string> {
  const { stdout } = await run(`${ROOT}scripts/containers`, args, { cwd: ROOT, env });
  return stdout.trim();
}

async function podman(...args: string[]): Promise<string> {
  const { stdout } = await run('podman', args, { env: { ...process.env, CONTAINERS_CONF: `${ROOT}.local/containers/containers.conf` } });
  return stdout.trim();
}

interface Container {
  name: string;
  service: string;
  state: string;
  health: string;
  exitCode: number;
}

async function projectContainers(): Promise<Container[]> {
  const ids = (await podman('ps', '-aq', '--filter', `label=com.docker.compose.project=${PROJECT}`)).split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const inspected = JSON.parse(await podman('inspect', ...ids)) as {
    Name: string;
    Config: { Labels: Record<string, string> };
    State: { Status: string; ExitCode: number; Health?: { Status: string }; Healthcheck?: { Status: string } };
  }[];
  return inspected.map((c) => ({
    name: c.Name,
    service: c.Config.Labels['com.docker.compose.service'] ?? '',
    state: c.State.Status,
    health: c.State.Health?.Status ?? c.State.Healthcheck?.Status ?? '',
    exitCode: c.State.ExitCode,
  }));
}

async function psql(sql: string): Promise<string> {
  const [postgres] = (await projectContainers()).filter((c) => c.service === 'postgres');
  if (!postgres) throw new Error('no postgres container');
  return podman('exec', postgres.name, 'psql', '-U', 'postgres', '-d', 'orders', '-tAc', sql);
}

describe('the containers: images from the Dockerfile, the compose stack under podman', function () {
  // A cold build (base images made by debootstrap, librdkafka compiled) takes about 10 minutes on
  // 2 idle cores; a busy machine may need twice that. Cached layers bring it to seconds.
  this.timeout(25 * 60_000);
  let base: string;
  let env: NodeJS.ProcessEnv;
  const example = JSON.parse(readFileSync(`${ROOT}docs/examples/order.example.json`, 'utf8')) as Record<string, unknown>;
  const customer = `ct-${Date.now().toString(36)}`;
  let uid = '';
  let token = '';
  /** A request through the load balancer, carrying a staff token of the compose file's issuer. */
  const api = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) } });

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = { ...process.env, ORDER_SERVICE_PORT: String(port) };
    // A stack some earlier run left behind would hold the ports.
    await containers(env, 'down');
  });

  after(async () => {
    if ((await projectContainers().catch(() => [])).length > 0) await containers(env, 'down');
  });

  it('builds the app images as a non-root user, without dev dependencies', async () => {
    await containers(env, 'build');
    const images: Array<[string, string]> = [
      ['order-service/api:local', '@confluentinc/kafka-javascript'],
      ['order-service/cache-projector:local', '@confluentinc/kafka-javascript'],
      ['order-service/migrator:local', 'knex'],
    ];
    for (const [image, production] of images) {
      expect(await podman('image', 'inspect', '--format', '{{.Config.User}}', image), `${image}: USER`).to.equal('node');
      // A production dependency resolves, the workspace's dev tools do not.
      const probe = `const r=(m)=>{try{require.resolve(m);return true}catch{return false}};console.log(JSON.stringify({prod:r('${production}'),dev:['typescript','mocha','tsx','eslint'].filter(r)}))`;
      const found = JSON.parse(await podman('run', '--rm', '--pull=never', '--network', 'none', image, 'node', '-e', probe)) as {
        prod: boolean;
        dev: string[];
      };
      expect(found, image).to.deep.equal({ prod: true, dev: [] });
    }
    for (const image of ['postgres', 'redis', 'kafka', 'nginx', 'seeder']) {
      expect(await podman('image', 'exists', `order-service/${image}:local`).then(() => true)).to.equal(true);
    }
  });

  it('brings the stack up: every service healthy, the migrator and topic-init done', async () => {
    await containers(env, 'up');
    const all = await projectContainers();
    const of = (service: string): Container[] => all.filter((c) => c.service === service);
    expect(of('api'), 'API replicas').to.have.length(2);
    expect(of('cache-projector'), 'projector workers').to.have.length(2);
    for (const service of ['postgres', 'redis', 'redpanda', 'issuer', 'api', 'cache-projector', 'lb']) {
      for (const c of of(service)) expect([c.name, c.state, c.health]).to.deep.equal([c.name, 'running', 'healthy']);
    }
    for (const job of ['migrator', 'topic-init']) {
      expect(
        of(job).map((c) => [c.state, c.exitCode]),
        job,
      ).to.deep.equal([['exited', 0]]);
    }
    token = await containersOutput(env, 'token');
    expect(token).to.match(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect((await fetch(`${base}/orders?customer_id=${customer}`)).status, 'no token').to.equal(401);
  });

  it('serves an order through the load balancer: create, read from a cache, replace, search, delete', async () => {
    const created = await api('/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...example, customer_id: customer }),
    });
    expect(created.status, await created.clone().text()).to.equal(201);
    uid = ((await created.json()) as { order_uid: string }).order_uid;

    // The projector fills Redis from the topic; then every replica answers from a cache tier.
    let cacheStatus = '';
    for (let i = 0; i < 60 && !/; hit; detail=(lru|redis)/.test(cacheStatus); i++) {
      if (i > 0) await sleep(500);
      const read = await api(`/orders/${uid}`);
      expect(read.status).to.equal(200);
      cacheStatus = read.headers.get('cache-status') ?? '';
    }
    expect(cacheStatus).to.match(/; hit; detail=(lru|redis)/);

    const replaced = await api(`/orders/${uid}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'if-match': '"v1"' },
      body: JSON.stringify({ ...example, customer_id: customer, order_uid: uid, shard_key: '7' }),
    });
    expect(replaced.status, await replaced.clone().text()).to.equal(200);
    expect(replaced.headers.get('etag')).to.equal('"v2"');

    const search = await api(`/orders?customer_id=${customer}`);
    expect(search.status).to.equal(200);
    const { items } = (await search.json()) as { items: { order_uid: string; shard_key: string }[] };
    expect(items.map((o) => [o.order_uid, o.shard_key])).to.deep.equal([[uid, '7']]);

    const deleted = await api(`/orders/${uid}`, { method: 'DELETE', headers: { 'if-match': '"v2"' } });
    expect(deleted.status).to.equal(204);
    // The replica that took the delete answers 404 at once; the other one once
    // the projector's invalidation (or its LRU's 5 s TTL) drops its copy.
    const after: number[] = [];
    for (let i = 0; i < 40 && after.slice(-4).join() !== '404,404,404,404'; i++) {
      if (i > 0) await sleep(250);
      after.push((await api(`/orders/${uid}`)).status);
    }
    expect(after.slice(-4)).to.deep.equal([404, 404, 404, 404]);
  });

  it("publishes the order's events on the broker's topic", async () => {
    const mine = (records: { key: string }[]): { key: string }[] => records.filter((r) => r.key === uid);
    const records = await readTopicUntil('orders-events', (all) => mine(all).length >= 4, { brokers: EXTERNAL_BROKER, timeoutMs: 60_000 });
    const events = records
      .filter((r) => r.key === uid)
      .map((r) => [r.headers['event-type'], r.headers['order-version'], r.value === null ? 'tombstone' : 'event']);
    expect(events).to.deep.equal([
      ['order.upserted', '1', 'event'],
      ['order.upserted', '2', 'event'],
      ['order.deleted', '3', 'event'],
      ['order.deleted', '3', 'tombstone'],
    ]);
  });

  it("runs the compose file's seeder, whose orders the API then serves", async () => {
    const before = Number(await psql('select count(*) from orders'));
    await containers({ ...env, SEED_COUNT: '25' }, 'seed', '25');
    expect(Number(await psql('select count(*) from orders')) - before).to.equal(25);
    const seeded = await psql(`select order_uid from orders where customer_id <> '${customer}' order by date_created desc limit 1`);
    const read = await api(`/orders/${seeded}`);
    expect(read.status).to.equal(200);
  });

  it('keeps serving through the load balancer when one API replica stops', async () => {
    const [first] = (await projectContainers()).filter((c) => c.service === 'api');
    if (!first) throw new Error('no API container');
    await podman('stop', '--time', '20', first.name);
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await api(`/orders?customer_id=${customer}`);
      statuses.push(response.status);
    }
    const created = await api('/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...example, customer_id: customer }),
    });
    statuses.push(created.status);
    expect(statuses).to.deep.equal([...Array<number>(20).fill(200), 201]);
  });

  it('goes down leaving no container, pod, network or volume', async () => {
    await containers(env, 'down');
    expect(await projectContainers()).to.deep.equal([]);
    expect(await podman('pod', 'ls', '--format', '{{.Name}}', '--filter', `name=${PROJECT}`)).to.equal('');
    expect((await podman('network', 'ls', '--format', '{{.Name}}')).split('\n').filter((n) => n.startsWith(PROJECT))).to.deep.equal([]);
    expect((await podman('volume', 'ls', '--format', '{{.Name}}')).split('\n').filter((n) => n.startsWith(`${PROJECT}_`))).to.deep.equal([]);
  });
});
