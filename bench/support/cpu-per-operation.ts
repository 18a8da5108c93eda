/**
 * CPU time per operation, per process: the figure that holds across machines.
 * Each row of the report that measures an operation turns the CPU time every
 * process involved used over its timed windows into microseconds per
 * operation; docs/PERFORMANCE.md leads with the table of them.
 */
import type { CpuUsage } from './cpu-usage.js';
import { formatNumber, median } from './statistics.js';

/** The columns of the table, in order: every process an operation may involve. */
export const CPU_COLUMNS = ['api', 'projector', 'postgres', 'redis', 'broker', 'nginx'] as const;
export type CpuColumn = (typeof CPU_COLUMNS)[number];

const COLUMN_TITLES: Record<CpuColumn, string> = {
  api: 'API',
  projector: 'projector / replay',
  postgres: 'PostgreSQL',
  redis: 'Redis',
  broker: 'Kafka broker',
  nginx: 'nginx',
};

/** One line of the table: µs of CPU per operation of each process involved (the median over the runs). */
export interface CpuPerOperation {
  operation: string;
  /** Where it was measured, e.g. "the GET row's LRU runs, c=16". */
  measuredIn: string;
  micros: Partial<Record<CpuColumn, number>>;
  total: number;
  /** Operations counted over all runs. */
  operations: number;
}

/** One timed window: the usage and how many operations completed in it. */
export interface CpuWindow {
  usage: CpuUsage;
  operations: number;
}

/**
 * Which column a watched process belongs to: the suite names its children
 * `api-…`, `projector-…`, `replay-cache`, and the stack groups `postgres`,
 * `redis`, `broker`; anything else (the load generator) is not counted.
 */
export function columnOf(processName: string): CpuColumn | undefined {
  if (processName.startsWith('api')) return 'api';
  if (processName.startsWith('projector') || processName.startsWith('replay')) return 'projector';
  if (processName === 'postgres' || processName === 'redis' || processName === 'broker' || processName === 'nginx') return processName;
  return undefined;
}

/**
 * µs per operation of each of `involved` over the windows (the median of the
 * per-window figures, and of their totals); processes not involved are left
 * out even when they used some CPU meanwhile (other work on a shared server).
 */
export function cpuPerOperation(operation: string, measuredIn: string, windows: readonly CpuWindow[], involved: readonly CpuColumn[]): CpuPerOperation {
  const perWindow = windows
    .filter((window) => window.operations > 0)
    .map(({ usage, operations }) => {
      const micros: Partial<Record<CpuColumn, number>> = {};
      for (const [name, cores] of usage.processes) {
        const column = columnOf(name);
        if (column === undefined || !involved.includes(column)) continue;
        micros[column] = (micros[column] ?? 0) + microsPer(cores, usage.seconds, operations);
      }
      return micros;
    });
  const micros: Partial<Record<CpuColumn, number>> = {};
  for (const column of involved) {
    const values = perWindow.map((window) => window[column]).filter((value): value is number => value !== undefined);
    if (values.length > 0) micros[column] = median(values);
  }
  const total = median(perWindow.map((window) => Object.values(window).reduce((sum, value) => sum + value, 0)));
  return { operation, measuredIn, micros, total, operations: windows.reduce((sum, window) => sum + window.operations, 0) };
}

/**
 * µs per operation of the one process named `name` over the windows (the
 * median of the per-window figures): for a baseline, such as the bare app,
 * that is no column of the table because it is no part of the service.
 */
export function processMicrosPerOperation(windows: readonly CpuWindow[], name: string): number {
  return median(
    windows.filter((window) => window.operations > 0).map(({ usage, operations }) => microsPer(usage.processes.get(name) ?? 0, usage.seconds, operations)),
  );
}

function microsPer(cores: number, seconds: number, operations: number): number {
  return (cores * seconds * 1e6) / operations;
}

/** The table that leads docs/PERFORMANCE.md. */
export function renderCpuTable(lines: readonly CpuPerOperation[]): string[] {
  const cell = (value: number | undefined): string => (value === undefined ? '—' : formatNumber(value, value < 10 ? 1 : 0));
  return [
    `| operation | ${CPU_COLUMNS.map((column) => COLUMN_TITLES[column]).join(' | ')} | total | measured in |`,
    `| --- | ${CPU_COLUMNS.map(() => '---:').join(' | ')} | ---: | --- |`,
    ...lines.map(
      (line) =>
        `| ${line.operation} | ${CPU_COLUMNS.map((column) => cell(line.micros[column])).join(' | ')} | **${cell(line.total)}** | ${line.measuredIn}, ${formatNumber(line.operations)} operations |`,
    ),
  ];
}

/** "API 85 + PostgreSQL 120 = 205 µs": one line of the table in words, for a row's notes. */
export function describeCpuPerOperation(line: CpuPerOperation): string {
  const parts = CPU_COLUMNS.flatMap((column) => {
    const value = line.micros[column];
    return value === undefined ? [] : [`${COLUMN_TITLES[column]} ${formatNumber(value, 0)}`];
  });
  return `${parts.join(' + ')} = ${formatNumber(line.total, 0)} µs of CPU per ${line.operation.replace(/^per /, '')}`;
}
