import { progress } from './progress-log.js';
import { median } from './statistics.js';

export interface Subject {
  name: string;
  /** One measurement; the subject keeps its own result. */
  run: () => Promise<void>;
}

/**
 * Runs every subject once per round, `rounds` times, starting each round one
 * subject further (A B, B A, A B …) so that neither side always runs first,
 * after the other has warmed or tired the machine. The i-th result of every
 * subject comes from round i.
 */
export async function interleave(rounds: number, subjects: readonly Subject[]): Promise<void> {
  for (let round = 0; round < rounds; round += 1) {
    for (let i = 0; i < subjects.length; i += 1) {
      const subject = subjects[(round + i) % subjects.length];
      if (subject === undefined) continue;
      progress(`  round ${round + 1}/${rounds}: ${subject.name}`);
      await subject.run();
    }
  }
}

/** The median of the per-round ratios subject / baseline (rounds paired by index). */
export function medianRatio(subject: readonly number[], baseline: readonly number[]): number {
  const ratios = subject.map((value, i) => value / (baseline[i] ?? Number.NaN)).filter(Number.isFinite);
  return median(ratios);
}
