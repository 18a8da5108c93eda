/**
 * Reading the CPU profiles `node --cpu-prof` writes: what a row's subject
 * spent its busy time on, by self time and by the script that caused it, and
 * how much of it some code (tracing's, for the tracing row) caused.
 */
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
  /** Share of the busy samples after start-up by the package (or app code) of the nearest script on their stack. */
  byCaller: Array<{ owner: string; share: number }>;
  /** The script functions nearest to the most busy samples after start-up: their own time and the Node internals they called. */
  topCallers: Array<{ name: string; share: number }>;
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
 * Each busy node of `profile` after start-up with its samples and the nearest
 * JavaScript frame of a script on its stack (undefined for the garbage
 * collector's and V8's own). Counting a sample for that frame, the time Node
 * spends on a script's behalf (the socket writes of an exporter, the event
 * emitter of its listeners) counts for the script, while what it merely calls
 * on (a middleware's `next()`, running the rest of the request) counts for the
 * callee. Samples taken while a module loads (a frame of node:internal/modules
 * on the stack) are start-up and left out, as are idle ones.
 */
function* busySamplesByNearestScript(profile: CpuProfile): Generator<{ hits: number; script: ProfileNode['callFrame'] | undefined }> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0 || node.callFrame.functionName === '(idle)') continue;
    let script: ProfileNode['callFrame'] | undefined;
    let loading = false;
    for (let at: ProfileNode | undefined = node; at !== undefined; at = byId.get(parentOf.get(at.id) ?? -1)) {
      const { url } = at.callFrame;
      if (url.startsWith('node:internal/modules')) loading = true;
      if (script === undefined && url !== '' && !url.startsWith('node:')) script = at.callFrame;
    }
    if (!loading) yield { hits, script };
  }
}

/**
 * The share of `profile`'s busy time after start-up caused by the code whose
 * script URLs `isCode` picks, each sample counted for the nearest script on its
 * stack (see busySamplesByNearestScript); the garbage collector's count for nobody.
 */
export function shareOfCode(profile: CpuProfile, isCode: (url: string) => boolean): CodeShare {
  let busy = 0;
  let samples = 0;
  for (const { hits, script } of busySamplesByNearestScript(profile)) {
    busy += hits;
    if (script !== undefined && isCode(script.url)) samples += hits;
  }
  return { share: busy > 0 ? samples / busy : 0, samples, busy };
}

/**
 * Summarises the newest `.cpuprofile` of `dir` (written by `node --cpu-prof`):
 * by self time, and by the nearest script on each sample's stack.
 */
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
    const name = functionNameOf(functionName, url, lineNumber);
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
  }
  let busyAfterStart = 0;
  const byCaller = new Map<string, number>();
  const callerFunctions = new Map<string, number>();
  for (const { hits, script } of busySamplesByNearestScript(profile)) {
    busyAfterStart += hits;
    const owner = script === undefined ? '(V8: garbage collector, compiler)' : ownerOf(script.functionName, script.url);
    byCaller.set(owner, (byCaller.get(owner) ?? 0) + hits);
    if (script !== undefined) {
      const name = functionNameOf(script.functionName, script.url, script.lineNumber);
      callerFunctions.set(name, (callerFunctions.get(name) ?? 0) + hits);
    }
  }
  const shares = (counts: Map<string, number>, total: number) =>
    [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, hits]) => ({ name, share: total > 0 ? hits / total : 0 }));
  return {
    byOwner: shares(byOwner, busy).map(({ name, share }) => ({ owner: name, share })),
    topFunctions: shares(byFunction, busy),
    byCaller: shares(byCaller, busyAfterStart).map(({ name, share }) => ({ owner: name, share })),
    topCallers: shares(callerFunctions, busyAfterStart),
    idleShare: idle + busy > 0 ? idle / (idle + busy) : 0,
    file: relative(ROOT, newest.file),
  };
}

function functionNameOf(functionName: string, url: string, lineNumber: number): string {
  return `${functionName || '(anonymous)'} ${url ? `${shortUrl(url)}:${lineNumber + 1}` : ''}`.trim();
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
