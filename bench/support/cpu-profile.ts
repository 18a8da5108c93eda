import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './workspace.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
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

/** Summarises the newest `.cpuprofile` of `dir` (written by `node --cpu-prof`) by self time. */
export function summariseCpuProfile(dir: string, top = 12): ProfileSummary | undefined {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .sort();
  const file = files.at(-1);
  if (file === undefined) return undefined;
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[] };
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
    file: relative(ROOT, join(dir, file)),
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
