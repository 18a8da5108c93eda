/**
 * Renders a kustomization the way `kustomize build` does, for the subset of
 * kustomize that deploy/kubernetes uses: `resources` (files, and directories
 * holding a kustomization of their own), `namespace`, `images` and `patches`
 * given by `path` (strategic-merge patches, each finding its target by kind and
 * name). Anything else in a kustomization is refused rather than ignored, so a
 * manifest can never rely on a feature this rendering would silently skip.
 * There is no kustomize package in Debian, so the test renders here.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are arbitrary YAML documents */
export type Manifest = Record<string, any>;

interface ImageRule {
  name: string;
  newName?: string;
  newTag?: string;
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  resources?: string[];
  namespace?: string;
  images?: ImageRule[];
  patches?: Array<{ path: string }>;
}

const KNOWN_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'images', 'patches']);
/** Kinds without a namespace, which the namespace transformer leaves alone. */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass', 'StorageClass']);
/** API groups whose types kustomize knows the schema of (and so the merge keys of their lists); others' lists are replaced. */
const BUILT_IN_GROUP = /^(v1|apps\/v1|batch\/v1|policy\/v1|autoscaling\/v2|networking\.k8s\.io\/v1)$/;

export function readManifests(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((doc) => {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]!.message}`);
      return doc.toJS() as Manifest | null;
    })
    .filter((m): m is Manifest => m !== null);
}

function readKustomization(dir: string): Kustomization {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) throw new Error(`${dir} has no kustomization.yaml`);
  const [k] = readManifests(file) as Kustomization[];
  if (!k || k.kind !== 'Kustomization') throw new Error(`${file} is not a Kustomization`);
  const unknown = Object.keys(k).filter((key) => !KNOWN_FIELDS.has(key));
  if (unknown.length) throw new Error(`${file}: this rendering does not support ${unknown.join(', ')}`);
  return k;
}

const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A strategic-merge patch: maps merge key by key (null deletes), lists of named
 * objects of built-in kinds merge by `name` (containers, env, volumes...), any
 * other list is replaced.
 */
export function strategicMerge(target: unknown, patch: unknown, builtIn: boolean): unknown {
  if (isObject(target) && isObject(patch)) {
    const out: Record<string, unknown> = { ...target };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete out[key];
      else out[key] = key in target ? strategicMerge(target[key], value, builtIn) : value;
    }
    return out;
  }
  const named = (list: unknown[]): boolean => list.every((e) => isObject(e) && typeof e.name === 'string');
  if (builtIn && Array.isArray(target) && Array.isArray(patch) && named(target) && named(patch)) {
    const out = target.map((e) => {
      const match = patch.find((p) => p.name === e.name);
      return match ? strategicMerge(e, match, builtIn) : e;
    });
    for (const p of patch) if (!target.some((e) => e.name === p.name)) out.push(p);
    return out;
  }
  return patch;
}

function setImages(node: unknown, rules: readonly ImageRule[]): void {
  if (Array.isArray(node)) {
    for (const child of node) setImages(child, rules);
    return;
  }
  if (!isObject(node)) return;
  for (const key of ['containers', 'initContainers']) {
    for (const container of (node[key] as Manifest[] | undefined) ?? []) {
      if (typeof container.image !== 'string') continue;
      const [name, tag] = splitImage(container.image);
      const rule = rules.find((r) => r.name === name);
      if (rule) container.image = `${rule.newName ?? name}:${rule.newTag ?? tag ?? 'latest'}`;
    }
  }
  for (const child of Object.values(node)) setImages(child, rules);
}

/** An image reference's name and tag (a registry's port is not a tag). */
export function splitImage(image: string): [string, string | undefined] {
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/') ? [image.slice(0, at), image.slice(at + 1)] : [image, undefined];
}

/** The objects `kustomize build dir` prints, in the order of their resources. */
export function kustomize(dir: string): Manifest[] {
  const k = readKustomization(dir);
  let objects: Manifest[] = [];
  for (const resource of k.resources ?? []) {
    const path = join(dir, resource);
    objects.push(...(statSync(path).isDirectory() ? kustomize(path) : readManifests(path)));
  }
  objects = structuredClone(objects);
  for (const { path } of k.patches ?? []) {
    for (const patch of readManifests(join(dir, path))) {
      const index = objects.findIndex((o) => o.kind === patch.kind && o.metadata?.name === patch.metadata?.name);
      if (index < 0) throw new Error(`${join(dir, path)}: no ${patch.kind} ${patch.metadata?.name} to patch`);
      objects[index] = strategicMerge(objects[index], patch, BUILT_IN_GROUP.test(String(patch.apiVersion))) as Manifest;
    }
  }
  if (k.namespace) {
    for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata = { ...o.metadata, namespace: k.namespace };
  }
  if (k.images) setImages(objects, k.images);
  return objects;
}
