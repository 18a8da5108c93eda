import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './workspace.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

/** A `.cpuprofile` as `node --cpu-prof` writes it: the call tree, each node with its own samples. */
export interface CpuProfile {
  nodes: ProfileNode[];
}

export interface ProfileSummary {
  /** Share of busy samples by where the code lives: a package, the app's own code, Node, GC. */
  byOwner: Array<{ owner: string; share: number }>;
  /** Functions with the most self time. */
  topFunctions: Array<{ name: string; share: number }>;
  /** Share of all samples in which the process was idle (waiting on I/O). */
  idleShare: number;
  file: string;
}

/** The newest `.cpuprofile` of `dir` (written by `node --cpu-prof`), or undefined when there is none. */
export function readNewestCpuProfile(dir: string): { profile: CpuProfile; file: string } | undefined {
  const file = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .sort()
    .at(-1);
  if (file === undefined) return undefined;
  return { profile: JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, file: join(dir, file) };
}

/** How much of a profile's busy time some code caused, start-up left out. */
export interface CodeShare {
  /** Share of the busy samples after start-up that the code caused, 0 to 1. */
  share: number;
  /** Those samples. */
  samples: number;
  /** Busy samples after start-up: neither idle nor under a module being loaded. */
  busy: number;
}

/**
 * The share of `profile`'s busy time caused by the code whose script URLs
 * `isCode` picks. A sample counts for the nearest JavaScript frame of a
 * script on its stack, so the time Node spends on that code's behalf (the
 * socket writes of an exporter, the event emitter of its listeners) counts
 * for it, while what it merely calls on (a middleware's `next()`, running the
 * rest of the request) counts for the callee. Samples taken while a module
 * loads (a frame of node:internal/modules on the stack) are start-up and left
 * out, as are idle ones; the garbage collector's count for nobody.
 */
export function shareOfCode(profile: CpuProfile, isCode: (url: string) => boolean): CodeShare {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  let busy = 0;
  let samples = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0 || node.callFrame.functionName === '(idle)') continue;
    let owner: string | undefined;
    let loading = false;
    for (let at: ProfileNode | undefined = node; at !== undefined; at = byId.get(parentOf.get(at.id) ?? -1)) {
      const { url } = at.callFrame;
      if (url.startsWith('node:internal/modules')) loading = true;
      if (owner === undefined && url !== '' && !url.startsWith('node:')) owner = url;
    }
    if (loading) continue;
    busy += hits;
    if (owner !== undefined && isCode(owner)) samples += hits;
  }
  return { share: busy > 0 ? samples / busy : 0, samples, busy };
}

/** Summarises the newest `.cpuprofile` of `dir` (written by `node --cpu-prof`) by self time. */
export function summariseCpuProfile(dir: string, top = 12): ProfileSummary | undefined {
  const newest = readNewestCpuProfile(dir);
  if (newest === undefined) return undefined;
  const { profile } = newest;
  let idle = 0;
  let busy = 0;
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += hits;
      continue;
    }
    busy += hits;
    const owner = ownerOf(functionName, url);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + hits);
    const name = `${functionName || '(anonymous)'} ${url ? `${shortUrl(url)}:${lineNumber + 1}` : ''}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
  }
  const shares = (counts: Map<string, number>) =>
    [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, hits]) => ({ name, share: busy > 0 ? hits / busy : 0 }));
  return {
    byOwner: shares(byOwner).map(({ name, share }) => ({ owner: name, share })),
    topFunctions: shares(byFunction),
    idleShare: idle + busy > 0 ? idle / (idle + busy) : 0,
    file: relative(ROOT, newest.file),
  };
}

function ownerOf(functionName: string, url: string): string {
  if (functionName.startsWith('(')) return functionName;
  if (url === '') return '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const modules = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules?.[1]) return modules[1];
  const own = /\/(apps\/[^/]+|packages\/[^/]+|infra)\//.exec(url);
  return own?.[1] ?? shortUrl(url);
}

function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('node_modules/');
  if (modules >= 0) return path.slice(modules + 'node_modules/'.length).replace(/^\.pnpm\/[^/]+\/node_modules\//, '');
  return path.startsWith(ROOT) ? relative(ROOT, path) : path;
}
