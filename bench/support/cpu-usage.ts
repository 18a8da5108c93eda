import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Clock ticks per second of /proc (USER_HZ), 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

interface CoreTicks {
  busy: number;
  total: number;
}

export interface CpuSnapshot {
  readonly at: number;
  readonly cores: readonly CoreTicks[];
  readonly processes: ReadonlyMap<string, number>;
}

export interface CpuUsage {
  /** Busy share of each core, 0..1. */
  cores: number[];
  /** CPU time of each named process, in cores (1 = one core busy all the time). */
  processes: Map<string, number>;
}

/** Reads /proc/stat and each process's /proc/<pid>/stat; the processes are named by the caller. */
export function snapshotCpu(processes: ReadonlyMap<string, number> = new Map()): CpuSnapshot {
  const cores: CoreTicks[] = [];
  try {
    for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
      if (!/^cpu\d+ /.test(line)) continue;
      const fields = line.trim().split(/\s+/).slice(1).map(Number);
      const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
      const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
      cores.push({ busy: total - idle, total });
    }
  } catch {
    // Not Linux: no core figures.
  }
  const ticks = new Map<string, number>();
  for (const [name, pid] of processes) {
    const used = processTicks(pid);
    if (used !== undefined) ticks.set(name, used);
  }
  return { at: performance.now(), cores, processes: ticks };
}

export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): CpuUsage {
  const seconds = (after.at - before.at) / 1000;
  const cores = after.cores.map((core, i) => {
    const start = before.cores[i];
    if (!start) return Number.NaN;
    const total = core.total - start.total;
    return total > 0 ? (core.busy - start.busy) / total : 0;
  });
  const processes = new Map<string, number>();
  for (const [name, ticks] of after.processes) {
    const start = before.processes.get(name);
    if (start !== undefined && seconds > 0) processes.set(name, (ticks - start) / TICKS_PER_SECOND / seconds);
  }
  return { cores, processes };
}

/** "core0 98%, core1 71%; api 0.97, bench 0.64": the usage in one line. */
export function describeCpu(usage: CpuUsage): string {
  const cores = usage.cores.map((share, i) => `core${i} ${Math.round(share * 100)}%`).join(', ');
  const processes = [...usage.processes].map(([name, used]) => `${name} ${used.toFixed(2)}`).join(', ');
  return processes ? `${cores}; CPU in cores: ${processes}` : cores;
}

/** utime + stime of a process (all its threads), in ticks; undefined once it is gone. */
function processTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields resume after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}
