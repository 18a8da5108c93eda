/**
 * CPU time from /proc over a timed window: the busy share of each core, and
 * the CPU time of named processes or named groups of processes (PostgreSQL's
 * backends of the suite's databases, whose pids come and go).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Clock ticks per second of /proc (USER_HZ), 100 on every Linux this runs on. */
/** Clock ticks of /proc/<pid>/stat per second (USER_HZ). */
export const TICKS_PER_SECOND = 100;

interface CoreTicks {
  busy: number;
  total: number;
}

/** The pids of each named group of processes, asked again at every snapshot (see stack-processes.ts). */
export type ProcessGroups = () => ReadonlyMap<string, readonly number[]>;

export interface CpuSnapshot {
  readonly at: number;
  readonly cores: readonly CoreTicks[];
  /** Ticks used so far by each pid of each name. */
  readonly processes: ReadonlyMap<string, ReadonlyMap<number, number>>;
}

export interface CpuUsage {
  /** Wall-clock seconds between the two snapshots. */
  seconds: number;
  /** Busy share of each core, 0..1. */
  cores: number[];
  /** CPU time of each named process (or group), in cores (1 = one core busy all the time). */
  processes: Map<string, number>;
}

/** Reads /proc/stat and the /proc/<pid>/stat of each named process and of every pid of each group. */
export function snapshotCpu(processes: ReadonlyMap<string, number> = new Map(), groups?: ProcessGroups): CpuSnapshot {
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
  const ticks = new Map<string, Map<number, number>>();
  const record = (name: string, pids: readonly number[]): void => {
    const byPid = ticks.get(name) ?? new Map<number, number>();
    for (const pid of pids) {
      const used = processTicks(pid);
      if (used !== undefined) byPid.set(pid, used);
    }
    ticks.set(name, byPid);
  };
  for (const [name, pid] of processes) record(name, [pid]);
  for (const [name, pids] of groups?.() ?? []) record(name, pids);
  return { at: performance.now(), cores, processes: ticks };
}

/**
 * The usage between two snapshots. A pid of a group that only the later
 * snapshot holds started within the window and counts in full; one that
 * ended within it is lost (the suite's long-lived pools keep that rare).
 */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): CpuUsage {
  const seconds = (after.at - before.at) / 1000;
  const cores = after.cores.map((core, i) => {
    const start = before.cores[i];
    if (!start) return Number.NaN;
    const total = core.total - start.total;
    return total > 0 ? (core.busy - start.busy) / total : 0;
  });
  const processes = new Map<string, number>();
  for (const [name, byPid] of after.processes) {
    const started = before.processes.get(name);
    if (started === undefined || seconds <= 0) continue;
    let used = 0;
    for (const [pid, ticks] of byPid) used += ticks - (started.get(pid) ?? 0);
    processes.set(name, used / TICKS_PER_SECOND / seconds);
  }
  return { seconds, cores, processes };
}

/** CPU seconds each process (or group) used over the window. */
export function cpuSeconds(usage: CpuUsage): Map<string, number> {
  return new Map([...usage.processes].map(([name, cores]) => [name, cores * usage.seconds]));
}

/** "core0 98%, core1 71%; api 0.97, bench 0.64": the usage in one line. */
export function describeCpu(usage: CpuUsage): string {
  const cores = usage.cores.map((share, i) => `core${i} ${Math.round(share * 100)}%`).join(', ');
  const processes = [...usage.processes].map(([name, used]) => `${name} ${used.toFixed(2)}`).join(', ');
  return processes ? `${cores}; CPU in cores: ${processes}` : cores;
}

/** utime + stime of a process (all its threads), in ticks; undefined once it is gone. */
export function processTicks(pid: number): number | undefined {
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
