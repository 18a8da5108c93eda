import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@order-service/runtime';
import type { PartitionRange } from '@order-service/kafka';
import type { BatchReport, StartGenerationReaders } from './generation-reader.js';

/** Everything a replay worker process needs to read its share of the topic into the generation. */
export interface ReplayWorkerJob {
  generation: number;
  groupId: string;
  /** This worker's share of the topic. */
  ranges: PartitionRange[];
  topic: string;
  batchSize: number;
  brokers: string[];
  clientId: string;
  redisUrl: string;
  redisClusterNodes: string[];
  keyPrefix: string;
  tombstoneTtlSeconds: number;
  logLevel: string;
}

/** Messages between the coordinator and a worker (node's IPC channel, JSON). */
export type ToWorker = { type: 'start'; job: ReplayWorkerJob } | { type: 'stop' };
export type FromWorker = { type: 'batch'; report: BatchReport } | { type: 'failed'; message: string };

const STOP_TIMEOUT_MS = 15_000;
// The worker's entry beside this module's folder, as source under tsx and as JavaScript once built.
const WORKER_ENTRY = fileURLToPath(new URL(`../cli/replay-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

/**
 * Readers in `workers` child processes (cli/replay-worker), each given every
 * `workers`-th partition that has records (the coordinator knows them all
 * beforehand, so no consumer group has to share them out): each applies its
 * batches to the same generation and reports them here, and the coordinator
 * alone switches at the end. There are never more workers than such partitions. The job (with the Redis URL) goes over
 * the IPC channel, not the command line. A worker that dies fails the replay;
 * workers whose coordinator is gone stop on their own (IPC disconnect).
 */
export function childProcessReaders(workers: number, job: Omit<ReplayWorkerJob, 'generation' | 'groupId' | 'ranges'>, logger: Logger): StartGenerationReaders {
  if (!Number.isSafeInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer, got ${workers}`);
  return async ({ generation, groupId, ranges }, onBatch, onFailure) => {
    const shares = splitRanges(ranges, workers);
    const children: ChildProcess[] = [];
    const batches = new Array<number>(shares.length).fill(0);
    let stopping = false;
    for (const [index, share] of shares.entries()) {
      const child = fork(WORKER_ENTRY, [], { execArgv: process.execArgv, serialization: 'json', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(child);
      child.on('message', (message: FromWorker) => {
        if (message.type === 'batch') {
          batches[index] = (batches[index] ?? 0) + 1;
          onBatch(message.report);
        } else onFailure(new Error(`replay worker ${index + 1} failed: ${message.message}`));
      });
      child.on('exit', (code, signal) => {
        if (!stopping) onFailure(new Error(`replay worker ${index + 1} exited (${signal ?? `code ${code}`}) before the replay ended`));
      });
      child.on('error', (error) => onFailure(error));
      child.send({ type: 'start', job: { ...job, generation, groupId, ranges: share } } satisfies ToWorker);
    }
    logger.info('replay workers started', { workers, pids: children.map((child) => child.pid) });
    return {
      async stop(): Promise<void> {
        stopping = true;
        await Promise.all(
          children.map(async (child) => {
            if (child.exitCode !== null || child.signalCode !== null) return;
            const exited = once(child, 'exit');
            if (child.connected) child.send({ type: 'stop' } satisfies ToWorker);
            const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
            await exited;
            clearTimeout(timer);
          }),
        );
        logger.info('replay workers stopped', { batches_per_worker: batches });
      },
    };
  };
}

/** The ranges that hold records, dealt out in turn to at most `workers` shares, none empty. */
export function splitRanges(ranges: readonly PartitionRange[], workers: number): PartitionRange[][] {
  const withRecords = ranges.filter(({ from, to }) => to > from);
  const shares: PartitionRange[][] = Array.from({ length: Math.min(workers, withRecords.length) }, () => []);
  withRecords.forEach((range, index) => shares[index % shares.length]!.push(range));
  return shares;
}
