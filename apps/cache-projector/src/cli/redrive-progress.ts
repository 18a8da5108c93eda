// Shows the redrive's progress and summary: a bar redrawn in place on a terminal, otherwise log lines.
import type { Logger } from '@order-service/runtime';
import type { RedriveProgress, RedriveSummary } from '../redrive/redrive-dead-letters.js';

const BAR_WIDTH = 30;

export interface RedriveView {
  update(progress: RedriveProgress): void;
  finish(summary: RedriveSummary): void;
  /** Ends the bar's line, if one is drawn, before other output. */
  interrupt(): void;
}

export function terminalRedriveView(stream: NodeJS.WriteStream): RedriveView {
  let drawn = false;
  let lastDrawMs = 0;
  return {
    update(progress) {
      const ratio = progress.total > 0 ? Math.min(1, progress.done / progress.total) : 1;
      const now = performance.now();
      if (ratio < 1 && now - lastDrawMs < 200) return;
      lastDrawMs = now;
      const filled = Math.round(ratio * BAR_WIDTH);
      stream.write(
        `\r${progress.phase.padEnd(7)} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}%  ` +
          `${count(progress.done)} / ${count(progress.total)} records\x1b[K`,
      );
      drawn = true;
      if (ratio >= 1) this.interrupt();
    },
    finish(summary) {
      this.interrupt();
      stream.write(`${describe(summary).join('\n')}\n`);
    },
    interrupt() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

export function loggedRedriveView(logger: Logger, intervalMs = 2_000): RedriveView {
  let lastLogMs = Number.NEGATIVE_INFINITY;
  return {
    update(progress) {
      const now = performance.now();
      if (progress.done < progress.total && now - lastLogMs < intervalMs) return;
      lastLogMs = now;
      logger.info('redrive progress', { phase: progress.phase, done: progress.done, total: progress.total });
    },
    finish(summary) {
      logger.info(summary.applied ? 'redrive finished' : 'redrive dry run finished (nothing sent; --apply sends)', {
        records: summary.total,
        by_reason: summary.byReason,
        oldest: summary.oldestMs === null ? null : new Date(summary.oldestMs).toISOString(),
        newest: summary.newestMs === null ? null : new Date(summary.newestMs).toISOString(),
        decodable_now: summary.toRedrive.length,
        already_redriven: summary.alreadyRedriven,
        undecodable: summary.undecodable,
        redriven: summary.redriven,
        seconds: Number(summary.seconds.toFixed(3)),
      });
    },
    interrupt() {},
  };
}

/** The summary in words, one line each. */
export function describe(summary: RedriveSummary): string[] {
  const reasons = Object.entries(summary.byReason)
    .map(([reason, n]) => `${reason} ${count(n)}`)
    .join(', ');
  const lines = [
    `dead letters: ${count(summary.total)}${reasons ? ` (${reasons})` : ''}`,
    `oldest: ${summary.oldestMs === null ? '-' : new Date(summary.oldestMs).toISOString()}, newest: ${summary.newestMs === null ? '-' : new Date(summary.newestMs).toISOString()}`,
    `decodable now: ${count(summary.toRedrive.length)}, already redriven: ${count(summary.alreadyRedriven)}, still undecodable (left): ${count(summary.undecodable)}`,
  ];
  lines.push(
    summary.applied
      ? `redriven: ${count(summary.redriven)} records in ${summary.seconds.toFixed(1)} s`
      : `dry run: nothing sent; --apply sends the ${count(summary.toRedrive.length)} decodable records`,
  );
  return lines;
}

function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
