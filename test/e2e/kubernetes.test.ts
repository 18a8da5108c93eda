/**
 * deploy/kubernetes, checked without a cluster: every kustomization renders
 * (test/support/kustomize.ts, the subset of kustomize the manifests use), every
 * object validates against the Kubernetes schemas (kubernetes-models) and the
 * KEDA and prometheus-operator CRDs' (@kubernetes-models/keda,
 * @kubernetes-models/prometheus-operator), every variable set is one the app's
 * configuration reads and every one it reads is set, the rendered configuration
 * loads in production, and images, commands, ports and probe paths are the apps'.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { ordersTopicSpec, resolveTopicSettings } from '@order-service/kafka';
import { createMetricsRegistry } from '@order-service/metrics';
import { createLogger } from '@order-service/runtime';
import { infraConfigSchema, readInfraConfig } from '../../infra/src/config.js';
import { apiConfigSchema, loadApiConfig } from '../../apps/api/src/config.js';
import { buildAdminApp } from '../../apps/api/src/http/admin-app.js';
import { ApiMetrics } from '../../apps/api/src/http/metrics.js';
import { buildHttpApp as buildProjectorHttpApp } from '../../apps/cache-projector/src/http/app.js';
import { loadProjectorConfig, projectorConfigSchema } from '../../apps/cache-projector/src/config.js';
import { dockerStages, stageArgs } from '../support/dockerfile.js';
import { kustomize, readManifests, splitImage, strategicMerge, type Manifest } from '../support/kustomize.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are arbitrary YAML documents */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEPLOY = join(ROOT, 'deploy/kubernetes');
const KUSTOMIZATIONS = ['base', 'production', 'base/replay', 'production/replay'];
const render = (dir: string): Manifest[] => kustomize(join(DEPLOY, dir));

/** The models of each apiVersion the manifests use. */
const MODEL_MODULES: Record<string, string> = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'batch/v1': 'kubernetes-models/batch/v1',
  'policy/v1': 'kubernetes-models/policy/v1',
  'autoscaling/v2': 'kubernetes-models/autoscaling/v2',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'keda.sh/v1alpha1': '@kubernetes-models/keda/keda.sh/v1alpha1',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
};

/** Throws naming what the schema of the object's kind refuses. */
async function validateObject(object: Manifest): Promise<void> {
  const module = MODEL_MODULES[object.apiVersion];
  if (!module) throw new Error(`${object.kind} ${object.metadata?.name}: no schema for apiVersion ${object.apiVersion}`);
  const Model = ((await import(module)) as Record<string, new (data: unknown) => { validate(): void }>)[object.kind];
  if (!Model) throw new Error(`${object.kind} ${object.metadata?.name}: ${module} has no kind ${object.kind}`);
  new Model(object).validate();
}

/**
 * Which target of the root Dockerfile builds each image, from which package; its build checks
 * the image holds what it runs (`test -f /out/<package>/...`).
 */
const IMAGES: Record<string, { target: string; sources: string; port?: number }> = {
  'order-service/api': { target: 'api', sources: 'apps/api', port: 8080 },
  'order-service/cache-projector': { target: 'cache-projector', sources: 'apps/cache-projector', port: 8081 },
  'order-service/migrator': { target: 'migrator', sources: 'infra' },
};
const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const DOCKER_STAGES = dockerStages(DOCKERFILE);

/** The repository's name of an image reference: the registry and the tag taken away. */
function imageOf(reference: string): string {
  const [name] = splitImage(reference);
  const known = Object.keys(IMAGES).find((image) => name === image || name.endsWith(`/${image}`));
  if (!known) throw new Error(`image ${reference} is none of the project's (${Object.keys(IMAGES).join(', ')})`);
  return known;
}

function envNamesOf(schema: object): Map<string, { sensitive: boolean }> {
  const names = new Map<string, { sensitive: boolean }>();
  const walk = (node: any): void => {
    for (const value of Object.values(node) as any[]) {
      if (value && typeof value === 'object' && 'env' in value && 'default' in value) names.set(value.env, { sensitive: value.sensitive === true });
      else if (value && typeof value === 'object') walk(value);
    }
  };
  walk(schema);
  return names;
}

/** The variables each image's process reads. */
const KNOWN_ENV: Record<string, Map<string, { sensitive: boolean }>> = {
  'order-service/api': envNamesOf(apiConfigSchema),
  'order-service/cache-projector': envNamesOf(projectorConfigSchema),
  'order-service/migrator': envNamesOf(infraConfigSchema),
};

interface Workload {
  object: Manifest;
  pod: Manifest;
  labels: Record<string, string>;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'Job']);

function workloads(objects: Manifest[]): Workload[] {
  return objects
    .filter((o) => WORKLOAD_KINDS.has(o.kind))
    .map((object) => ({ object, pod: object.spec.template.spec, labels: object.spec.template.metadata?.labels ?? {} }));
}

function find(objects: Manifest[], kind: string, name: string): Manifest {
  const found = objects.find((o) => o.kind === kind && o.metadata?.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
}

const allContainers = (pod: Manifest): Manifest[] => [...(pod.initContainers ?? []), ...pod.containers];

/**
 * The environment a container starts with: its ConfigMaps' data (envFrom and
 * configMapKeyRef), Secrets as stand-ins, the downward API's pod name; each
 * variable with where it came from.
 */
function environmentOf(container: Manifest, objects: Manifest[], podName: string): Map<string, { value: string; from: string }> {
  const env = new Map<string, { value: string; from: string }>();
  for (const source of container.envFrom ?? []) {
    expect(source.secretRef, `${container.name}: whole Secrets are not loaded, each key is named`).to.equal(undefined);
    const data = find(objects, 'ConfigMap', source.configMapRef.name).data as Record<string, string>;
    for (const [name, value] of Object.entries(data)) env.set(name, { value, from: `configMap ${source.configMapRef.name}` });
  }
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom;
    if (variable.value !== undefined) env.set(variable.name, { value: String(variable.value), from: 'value' });
    else if (from?.configMapKeyRef) {
      const data = find(objects, 'ConfigMap', from.configMapKeyRef.name).data as Record<string, string>;
      expect(data, `${container.name}: ${variable.name} names key ${from.configMapKeyRef.key}`).to.have.property(from.configMapKeyRef.key);
      env.set(variable.name, { value: data[from.configMapKeyRef.key]!, from: `configMap ${from.configMapKeyRef.name}` });
    } else if (from?.secretKeyRef) {
      expect(from.secretKeyRef.name, variable.name).to.equal('order-service-secrets');
      expect(from.secretKeyRef.key, `${variable.name}: the Secret's key is the variable's name`).to.equal(variable.name);
      env.set(variable.name, { value: SECRET_STAND_INS[variable.name] ?? 'unknown-secret', from: 'secret' });
    } else if (from?.fieldRef?.fieldPath === 'metadata.name') env.set(variable.name, { value: podName, from: 'pod name' });
    else throw new Error(`${container.name}: ${variable.name} comes from nowhere this test knows`);
  }
  return env;
}

/** What an operator puts in the Secret order-service-secrets (README, "Kubernetes"). */
const SECRET_STAND_INS: Record<string, string> = {
  DATABASE_URL: 'postgres://orders:a-password@pgbouncer:5432/orders',
  DATABASE_LISTEN_URL: 'postgres://orders:a-password@postgresql:5432/orders',
  REDIS_URL: 'redis://:a-password@redis:6379/0',
  CURSOR_SECRET: 'a-random-secret-of-the-operator',
};

function containerPort(container: Manifest, name: string): number {
  const port = (container.ports ?? []).find((p: Manifest) => p.name === name);
  if (!port) throw new Error(`${container.name} has no port named ${name}`);
  return port.containerPort;
}

function selects(selector: Manifest, labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = ((selector.matchExpressions ?? []) as Manifest[]).every((e) => {
    if (e.operator === 'Exists') return e.key in labels;
    if (e.operator === 'DoesNotExist') return !(e.key in labels);
    if (e.operator === 'In') return (e.values as string[]).includes(labels[e.key]!);
    if (e.operator === 'NotIn') return !(e.values as string[]).includes(labels[e.key]!);
    throw new Error(`unknown operator ${e.operator}`);
  });
  return byLabels && byExpressions;
}

/** An express app, as far as the probe needs one. */
interface Listening {
  listen(port: number, host: string): Server;
}

async function probeStatus(app: Listening, path: string): Promise<number> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    return (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`)).status;
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('Kubernetes manifests (deploy/kubernetes)', function () {
  this.timeout(60_000);
  const rendered = Object.fromEntries(KUSTOMIZATIONS.map((dir) => [dir, render(dir)])) as Record<string, Manifest[]>;
  /** Production with its replay Job, as a cluster ends up holding them. */
  const production = [...rendered.production!, ...rendered['production/replay']!];

  describe('rendering', () => {
    it('renders every kustomization, production into its namespace with the registry’s images', () => {
      for (const dir of KUSTOMIZATIONS) expect(rendered[dir], dir).to.have.length.above(0);
      for (const object of production) {
        if (object.kind !== 'Namespace') expect(object.metadata.namespace, `${object.kind} ${object.metadata.name}`).to.equal('order-service');
      }
      const images = workloads(production).flatMap((w) => allContainers(w.pod).map((c) => c.image as string));
      for (const image of images) expect(image).to.match(/^registry\.example\.com\/order-service\/[a-z-]+:0\.1\.0$/);
    });

    it('merges patches as kustomize does: named list items by name, other lists replaced, maps key by key', () => {
      const base = { spec: { containers: [{ name: 'a', image: 'x', env: [{ name: 'A', value: '1' }] }, { name: 'b' }], args: ['1', '2'] } };
      const patch = { spec: { containers: [{ name: 'a', env: [{ name: 'B', value: '2' }] }], args: ['3'] } };
      expect(strategicMerge(base, patch, true)).to.deep.equal({
        spec: {
          containers: [
            {
              name: 'a',
              image: 'x',
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
            },
            { name: 'b' },
          ],
          args: ['3'],
        },
      });
      expect(strategicMerge(base, patch, false))
        .to.have.nested.property('spec.containers')
        .that.deep.equals(patch.spec.containers);
    });
  });

  describe('schemas', () => {
    it('validates every object against the Kubernetes, KEDA and prometheus-operator schemas', async () => {
      for (const dir of KUSTOMIZATIONS) {
        for (const object of rendered[dir]!) await validateObject(object);
      }
      const kinds = new Set(production.map((o) => `${o.apiVersion} ${o.kind}`));
      expect([...kinds]).to.include.members(['keda.sh/v1alpha1 ScaledObject', 'monitoring.coreos.com/v1 ServiceMonitor', 'networking.k8s.io/v1 NetworkPolicy']);
    });

    it('refuses an object its schema refuses (so the check above can fail)', async () => {
      const deployment = structuredClone(find(production, 'Deployment', 'order-api'));
      deployment.spec.template.spec.containers[0].ports[0].containerPort = 'http';
      await expect(validateObject(deployment)).to.be.rejectedWith(/containerPort/);
      const scaled = structuredClone(find(production, 'ScaledObject', 'order-cache-projector'));
      scaled.spec.maxReplicaCount = 'all';
      await expect(validateObject(scaled)).to.be.rejectedWith(/maxReplicaCount/);
    });
  });

  describe('configuration', () => {
    it('sets only variables the process of each image reads, secrets only from the Secret', () => {
      for (const { object, pod } of workloads(production)) {
        for (const container of allContainers(pod)) {
          const known = KNOWN_ENV[imageOf(container.image)]!;
          for (const [name, { from }] of environmentOf(container, production, `${object.metadata.name}-0`)) {
            const what = `${object.kind} ${object.metadata.name}/${container.name}: ${name}`;
            expect(known.has(name), `${what} is read by nothing in ${imageOf(container.image)} (drop it from deploy/kubernetes)`).to.equal(true);
            if (known.get(name)!.sensitive) expect(from, `${what} is a secret`).to.equal('secret');
          }
        }
      }
    });

    it("sets every variable of each app's convict schema for its long-running pods", () => {
      for (const [kind, name, image] of [
        ['Deployment', 'order-api', 'order-service/api'],
        ['StatefulSet', 'order-cache-projector', 'order-service/cache-projector'],
      ] as const) {
        const container = find(production, kind, name).spec.template.spec.containers[0];
        const set = environmentOf(container, production, `${name}-0`);
        expect(
          [...KNOWN_ENV[image]!.keys()].filter((v) => !set.has(v)),
          `${name} leaves unset (add them to deploy/kubernetes/base/config.yaml or the container)`,
        ).to.deep.equal([]);
      }
    });

    it('loads in production as each app loads it: every value valid, no development default left', () => {
      for (const dir of ['base', 'production']) {
        const objects = rendered[dir]!;
        const api = find(objects, 'Deployment', 'order-api').spec.template.spec.containers[0];
        const apiEnv = Object.fromEntries([...environmentOf(api, objects, 'order-api-0')].map(([k, v]) => [k, v.value]));
        const apiConfig = loadApiConfig({ env: apiEnv });
        expect(apiConfig.env, dir).to.equal('production');
        expect(apiConfig.cache.backend).to.equal('redis');
        expect([apiConfig.http.host, apiConfig.admin.host], 'the kubelet and the Service reach both ports').to.deep.equal(['0.0.0.0', '0.0.0.0']);
        expect(apiConfig.http.port).to.equal(containerPort(api, 'http'));
        expect(apiConfig.admin.port).to.equal(containerPort(api, 'admin'));

        const projector = find(objects, 'StatefulSet', 'order-cache-projector').spec.template.spec.containers[0];
        const projectorEnv = Object.fromEntries([...environmentOf(projector, objects, 'order-cache-projector-3')].map(([k, v]) => [k, v.value]));
        const projectorConfig = loadProjectorConfig({ env: projectorEnv });
        expect(projectorConfig.kafka.groupInstanceId, 'the static member id is the pod name').to.equal('order-cache-projector-3');
        expect(projectorConfig.http.host).to.equal('0.0.0.0');
        expect(projectorConfig.http.port).to.equal(containerPort(projector, 'metrics'));
        expect(projectorConfig.kafka.brokers, 'both apps use the same brokers').to.deep.equal(apiConfig.kafka.brokers);
        expect(projectorConfig.kafka.topic).to.equal(apiConfig.kafka.topic);
        expect(projectorConfig.redis.keyPrefix).to.equal(apiConfig.redis.keyPrefix);
        expect(projectorConfig.redis.invalidationChannel).to.equal(apiConfig.redis.invalidationChannel);
      }
    });

    it('refuses a rendered configuration the API would refuse (so the check above can fail)', () => {
      const objects = structuredClone(rendered.production!);
      find(objects, 'ConfigMap', 'order-api-config').data.AUTH_ISSUER = 'urn:order-service:dev-issuer';
      const api = find(objects, 'Deployment', 'order-api').spec.template.spec.containers[0];
      const env = Object.fromEntries([...environmentOf(api, objects, 'order-api-0')].map(([k, v]) => [k, v.value]));
      expect(() => loadApiConfig({ env })).to.throw(/auth\.issuer/);
    });
  });

  describe('images, commands, ports and probes', () => {
    it('runs each image’s own entry points, as its Dockerfile builds and checks them, under its uid', () => {
      const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
      for (const { object, pod } of workloads(production)) {
        expect(pod.securityContext.runAsUser, 'the images’ user node').to.equal(1000);
        for (const container of allContainers(pod)) {
          const image = imageOf(container.image);
          const { target, sources } = IMAGES[image]!;
          expect(stageArgs(DOCKER_STAGES, target, 'USER'), `${target}: its user`).to.deep.equal(['node']);
          expect(compose, `compose builds ${image} too`).to.include(`image: ${image}:local`);
          const [program, script] = container.command as string[];
          const what = `${object.metadata.name}/${container.name}`;
          expect(program, what).to.equal('node');
          expect(script, what).to.match(/^dist\/.+\.js$/);
          expect(
            existsSync(join(ROOT, sources, script!.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts'))),
            `${what}: ${script} is built from a source`,
          ).to.equal(true);
          expect(DOCKERFILE, `the Dockerfile checks that ${target} holds ${script}`).to.include(`test -f /out/${sources}/${script}`);
        }
      }
      for (const [name, { target, port }] of Object.entries(IMAGES)) {
        if (port !== undefined) expect(stageArgs(DOCKER_STAGES, target, 'EXPOSE'), name).to.deep.equal([String(port)]);
      }
      const api = find(production, 'Deployment', 'order-api').spec.template.spec.containers[0];
      const projector = find(production, 'StatefulSet', 'order-cache-projector').spec.template.spec.containers[0];
      expect(containerPort(api, 'http')).to.equal(IMAGES['order-service/api']!.port);
      expect(containerPort(projector, 'metrics')).to.equal(IMAGES['order-service/cache-projector']!.port);
      // The ports are the apps' defaults too, which the images' HEALTHCHECKs and compose assume.
      expect([containerPort(api, 'http'), containerPort(api, 'admin'), containerPort(projector, 'metrics')]).to.deep.equal([
        (apiConfigSchema.http as any).port.default,
        (apiConfigSchema.admin as any).port.default,
        (projectorConfigSchema.http as any).port.default,
      ]);
    });

    it('probes paths the apps serve, on the ports that serve them', async () => {
      const logger = createLogger({ level: 'error', service: 'k8s-test' });
      const apiAdmin = buildAdminApp({ logger, readiness: [], metrics: new ApiMetrics(createMetricsRegistry('k8s-test-api')) });
      const projectorHttp = buildProjectorHttpApp({ readiness: [], metrics: createMetricsRegistry('k8s-test-projector') });
      for (const [kind, name, port, app] of [
        ['Deployment', 'order-api', 'admin', apiAdmin],
        ['StatefulSet', 'order-cache-projector', 'metrics', projectorHttp],
      ] as const) {
        const container = find(production, kind, name).spec.template.spec.containers[0];
        expect(container.readinessProbe.httpGet).to.deep.equal({ path: '/readyz', port });
        expect(container.livenessProbe.httpGet).to.deep.equal({ path: '/healthz', port });
        expect(container.startupProbe.httpGet).to.deep.equal({ path: '/healthz', port });
        for (const path of ['/readyz', '/healthz', '/metrics']) expect(await probeStatus(app, path), `${name} ${path}`).to.equal(200);
      }
      expect(await probeStatus(apiAdmin, '/nothing-here'), 'an unknown path is a 404, so the check can fail').to.equal(404);
    });

    it('exposes only the public port through the API’s Service, and the metrics ports to the ServiceMonitors', () => {
      const deployment = find(production, 'Deployment', 'order-api');
      const service = find(production, 'Service', 'order-api');
      expect(selects({ matchLabels: service.spec.selector }, deployment.spec.template.metadata.labels)).to.equal(true);
      expect(service.spec.ports.map((p: Manifest) => p.targetPort)).to.deep.equal(['http']);

      for (const [monitorName, workloadKind, workloadName] of [
        ['order-api', 'Deployment', 'order-api'],
        ['order-cache-projector', 'StatefulSet', 'order-cache-projector'],
      ] as const) {
        const monitor = find(production, 'ServiceMonitor', monitorName);
        const workload = find(production, workloadKind, workloadName);
        const services = production.filter((o) => o.kind === 'Service' && selects(monitor.spec.selector, o.metadata.labels ?? {}));
        expect(services, `${monitorName} selects one Service`).to.have.length(1);
        const [target] = services;
        expect(
          selects({ matchLabels: target!.spec.selector }, workload.spec.template.metadata.labels),
          `${target!.metadata.name} selects ${workloadName}`,
        ).to.equal(true);
        for (const endpoint of monitor.spec.endpoints as Manifest[]) {
          expect(endpoint.path).to.equal('/metrics');
          const servicePort = (target!.spec.ports as Manifest[]).find((p) => p.name === endpoint.port);
          expect(servicePort, `${target!.metadata.name} has port ${endpoint.port}`).to.not.equal(undefined);
          const container = workload.spec.template.spec.containers[0];
          const serving = workloadName === 'order-api' ? 'admin' : 'metrics';
          expect(servicePort!.targetPort, `${monitorName} scrapes the port serving /metrics`).to.equal(serving);
          expect(containerPort(container, serving)).to.be.a('number');
        }
      }
    });
  });

  describe('the API', () => {
    it('runs at least 2 replicas scaled on CPU, rolls one surge pod at a time, and drains before it stops', () => {
      const deployment = find(production, 'Deployment', 'order-api');
      const hpa = find(production, 'HorizontalPodAutoscaler', 'order-api');
      expect(hpa.spec.scaleTargetRef).to.deep.equal({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'order-api' });
      expect(hpa.spec.minReplicas).to.be.at.least(2);
      expect(hpa.spec.metrics.map((m: Manifest) => m.resource?.name)).to.deep.equal(['cpu']);
      expect(deployment.spec.replicas ?? hpa.spec.minReplicas, 'the autoscaler owns the count').to.be.at.least(2);
      expect(deployment.spec.strategy.rollingUpdate).to.deep.equal({ maxUnavailable: 0, maxSurge: 1 });

      const pod = deployment.spec.template.spec;
      const env = environmentOf(pod.containers[0], production, 'order-api-0');
      const drainMs = Number(env.get('SHUTDOWN_DRAIN_DELAY_MS')?.value);
      const deadlineMs = Number(env.get('SHUTDOWN_DEADLINE_MS')?.value);
      const readiness = pod.containers[0].readinessProbe;
      expect(drainMs, 'the drain outlasts the readiness probe noticing it').to.be.at.least(readiness.periodSeconds * readiness.failureThreshold * 1000);
      const preStop = pod.containers[0].lifecycle?.preStop?.exec?.command as string[] | undefined;
      expect(preStop?.[0], 'a preStop pause before SIGTERM').to.equal('sleep');
      const pauseMs = Number(preStop?.[1]) * 1000;
      expect(pauseMs, 'the pause is short: the drain does the rest').to.be.within(1000, drainMs);
      expect(pod.terminationGracePeriodSeconds * 1000, 'the pod is not killed before its graceful stop ends').to.be.above(pauseMs + deadlineMs);
      expect(deadlineMs).to.be.above(drainMs);

      const pdb = find(production, 'PodDisruptionBudget', 'order-api');
      expect(selects(pdb.spec.selector, deployment.spec.template.metadata.labels)).to.equal(true);
      expect(pdb.spec.maxUnavailable ?? hpa.spec.minReplicas - pdb.spec.minAvailable).to.be.below(hpa.spec.minReplicas);
    });
  });

  describe('the projector workers', () => {
    it('are a StatefulSet whose pod names are their static ids, scaled by KEDA on lag up to the topic’s partitions', () => {
      const workers = find(production, 'StatefulSet', 'order-cache-projector');
      const container = workers.spec.template.spec.containers[0];
      expect(container.env.find((e: Manifest) => e.name === 'KAFKA_GROUP_INSTANCE_ID').valueFrom).to.deep.equal({ fieldRef: { fieldPath: 'metadata.name' } });
      const config = find(production, 'ConfigMap', 'order-cache-projector-config').data;

      for (const dir of ['base', 'production']) {
        const scaled = find(rendered[dir]!, 'ScaledObject', 'order-cache-projector');
        const topicJob = find(rendered[dir]!, 'Job', 'order-service-create-topics').spec.template.spec.containers[0];
        const jobEnv = Object.fromEntries([...environmentOf(topicJob, rendered[dir]!, 'job')].map(([k, v]) => [k, v.value]));
        // What create-topics makes of its configuration on a cluster of three brokers.
        const infra = readInfraConfig(jobEnv);
        const settings = resolveTopicSettings(
          { partitions: infra.topicPartitions, replicationFactor: infra.topicReplicationFactor, minInsyncReplicas: infra.topicMinInsyncReplicas },
          { brokers: 3, production: infra.env === 'production' },
        );
        const topic = ordersTopicSpec(infra.ordersTopic, settings);
        const dirConfig = find(rendered[dir]!, 'ConfigMap', 'order-cache-projector-config').data;
        expect(scaled.spec.scaleTargetRef).to.deep.include({ kind: 'StatefulSet', name: 'order-cache-projector' });
        expect(scaled.spec.maxReplicaCount, `${dir}: one worker per partition at most`).to.equal(topic.numPartitions);
        expect(topic.topic).to.equal(dirConfig.KAFKA_TOPIC);
        expect(scaled.spec.minReplicaCount).to.be.at.least(2);
        expect(scaled.spec.triggers).to.have.length(1);
        expect(scaled.spec.triggers[0].type).to.equal('kafka');
        expect(scaled.spec.triggers[0].metadata).to.deep.include({
          bootstrapServers: dirConfig.KAFKA_BROKERS,
          consumerGroup: dirConfig.KAFKA_GROUP_ID,
          topic: dirConfig.KAFKA_TOPIC,
        });
      }
      expect(config.KAFKA_GROUP_ID).to.equal('order-cache-projector');
      const pdb = find(production, 'PodDisruptionBudget', 'order-cache-projector');
      expect(selects(pdb.spec.selector, workers.spec.template.metadata.labels)).to.equal(true);
    });
  });

  describe('jobs', () => {
    it('migrates and creates the topics in Jobs, which the apps wait for before they start', () => {
      const command = (kind: string, name: string, init = false): string[] => {
        const pod = find(production, kind, name).spec.template.spec;
        return (init ? pod.initContainers[0] : pod.containers[0]).command;
      };
      expect(command('Job', 'order-service-migrate')).to.deep.equal(['node', 'dist/cli/migrate.js', 'latest']);
      expect(command('Job', 'order-service-create-topics')).to.deep.equal(['node', 'dist/cli/create-topics.js']);
      expect(command('Deployment', 'order-api', true).slice(0, 4)).to.deep.equal(['node', 'dist/cli/await-ready.js', 'schema', 'topics']);
      expect(command('StatefulSet', 'order-cache-projector', true).slice(0, 3)).to.deep.equal(['node', 'dist/cli/await-ready.js', 'topics']);
      expect(command('Job', 'order-cache-replay')).to.deep.equal(['node', 'dist/cli/replay-cache.js']);
      expect(find(production, 'Job', 'order-cache-replay').spec.backoffLimit, 'a failed replay is looked at, not retried').to.equal(0);
      const productionImage = (name: string): string => allContainers(find(rendered.production!, 'StatefulSet', name).spec.template.spec).at(-1)!.image;
      expect(allContainers(find(production, 'Job', 'order-cache-replay').spec.template.spec)[0]!.image).to.equal(productionImage('order-cache-projector'));
    });
  });

  describe('security', () => {
    it('runs every container as non-root, with a read-only root filesystem, no privilege escalation, and resources bounded', () => {
      for (const { object, pod } of workloads(production)) {
        expect(pod.securityContext, object.metadata.name).to.deep.include({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
        expect(pod.automountServiceAccountToken, object.metadata.name).to.equal(false);
        for (const container of allContainers(pod)) {
          const what = `${object.metadata.name}/${container.name}`;
          expect(container.securityContext, what).to.deep.equal({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          });
          for (const bound of ['requests', 'limits']) expect(container.resources[bound], `${what} ${bound}`).to.have.all.keys('cpu', 'memory');
        }
      }
      expect(find(production, 'Namespace', 'order-service').metadata.labels).to.include({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    });

    it('lets only the API and the migration job reach PostgreSQL', () => {
      const clients = workloads(production)
        .filter((w) => w.labels['order-service.io/postgres-client'] === 'true')
        .map((w) => `${w.object.kind} ${w.object.metadata.name}`);
      expect(clients).to.have.members(['Deployment order-api', 'Job order-service-migrate']);

      const policies = production.filter((o) => o.kind === 'NetworkPolicy');
      const postgresIngress = policies.filter((p) => selects(p.spec.podSelector, { 'app.kubernetes.io/name': 'postgresql' }));
      expect(postgresIngress).to.have.length(1);
      const rules = postgresIngress[0]!.spec.ingress as Manifest[];
      for (const { object, labels } of workloads(production)) {
        const admitted = rules.some((rule) => (rule.from as Manifest[]).some((peer) => peer.podSelector && selects(peer.podSelector, labels)));
        expect(admitted, `${object.metadata.name} may reach PostgreSQL`).to.equal(clients.includes(`${object.kind} ${object.metadata.name}`));
      }

      // A PostgreSQL outside the cluster: every other pod may open connections only to ports that are not PostgreSQL's.
      for (const { object, labels } of workloads(production).filter((w) => !clients.includes(`${w.object.kind} ${w.object.metadata.name}`))) {
        const egress = policies.filter((p) => p.spec.policyTypes.includes('Egress') && selects(p.spec.podSelector, labels));
        expect(egress, `${object.metadata.name} is under an egress policy`).to.have.length.above(0);
        const ports = egress.flatMap((p) => (p.spec.egress as Manifest[]).flatMap((rule) => (rule.ports as Manifest[] | undefined) ?? [{ port: 'any' }]));
        for (const port of ports) expect(port.port, `${object.metadata.name} may open connections to`).to.not.be.oneOf([5432, 'any']);
      }
    });
  });

  it('is the kustomize the README documents: every kustomization file named in it exists', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const dir of ['deploy/kubernetes/production', 'deploy/kubernetes/production/replay']) {
      expect(readme.includes(`kubectl apply -k ${dir}`), `the README applies ${dir}`).to.equal(true);
      expect(readManifests(join(ROOT, dir, 'kustomization.yaml'))[0]!.kind).to.equal('Kustomization');
    }
  });
});
