import type { Logger } from '@order-service/runtime';
import type { ReplayProgress, ReplaySummary } from '../replay/rebuild-cache.js';

const BAR_WIDTH = 30;

/** Shows replay progress: a bar redrawn in place on a terminal, otherwise a log line per call. */
export interface ProgressView {
  readonly intervalMs: number;
  update(progress: ReplayProgress): void;
  finish(summary: ReplaySummary): void;
  /** Ends the bar's line, if one is drawn, before other output. */
  interrupt(): void;
}

export function terminalProgress(stream: NodeJS.WriteStream): ProgressView {
  let drawn = false;
  return {
    intervalMs: 200,
    update(progress) {
      const ratio = progress.total > 0 ? Math.min(1, progress.done / progress.total) : 1;
      const filled = Math.round(ratio * BAR_WIDTH);
      const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`;
      const left = progress.secondsLeft === null ? '--' : formatSeconds(progress.secondsLeft);
      stream.write(
        `\r[${bar}] ${(ratio * 100).toFixed(0).padStart(3)}%  ${count(progress.done)} / ${count(progress.total)} events  ` +
          `${count(progress.eventsPerSecond)} events/s  ${left} left\x1b[K`,
      );
      drawn = true;
      // Reading is over: end the line, so what is logged next starts on its own.
      if (ratio >= 1) this.interrupt();
    },
    finish(summary) {
      this.interrupt();
      stream.write(
        `replayed ${count(summary.events)} events in ${summary.seconds.toFixed(1)} s (${count(summary.eventsPerSecond)} events/s); ` +
          `${count(summary.undecodable)} undecodable, ${count(summary.tombstones)} tombstones skipped\n` +
          `switched generation ${summary.fromGeneration} -> ${summary.toGeneration}; dropped ${count(summary.keysDropped)} keys of generation ${summary.fromGeneration}\n`,
      );
    },
    interrupt() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

export function loggedProgress(logger: Logger): ProgressView {
  return {
    intervalMs: 2_000,
    update(progress) {
      logger.info('replay progress', {
        done: progress.done,
        total: progress.total,
        events_per_second: Math.round(progress.eventsPerSecond),
        seconds_left: progress.secondsLeft === null ? null : Math.round(progress.secondsLeft),
      });
    },
    finish(summary) {
      logger.info('replay finished', {
        events: summary.events,
        undecodable: summary.undecodable,
        tombstones: summary.tombstones,
        seconds: Number(summary.seconds.toFixed(3)),
        events_per_second: Math.round(summary.eventsPerSecond),
        from_generation: summary.fromGeneration,
        to_generation: summary.toGeneration,
        keys_dropped: summary.keysDropped,
      });
    },
    interrupt() {},
  };
}

function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function formatSeconds(seconds: number): string {
  const whole = Math.ceil(seconds);
  return whole >= 60 ? `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s` : `${whole}s`;
}
