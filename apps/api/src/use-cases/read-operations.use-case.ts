// The operations view of the system's recent metrics, for staff only.
import type { OperationsPoint } from '../operations/operations-point.js';
import { scopes, type Principal } from './principal.js';

/** Where the view's recent points come from: a sampler of the apps' own metrics. */
export interface OperationsHistory {
  /** The points of the last window, oldest first, with how each metrics source answered its last read. */
  recent(): OperationsSeries;
}

export interface OperationsSeries {
  intervalMs: number;
  windowMs: number;
  points: readonly OperationsPoint[];
  sources: ReadonlyArray<{ url: string; ok: boolean; error?: string }>;
}

export type ReadOperationsResult = { kind: 'ok'; series: OperationsSeries } | { kind: 'forbidden' };

/**
 * Staff see the operations view; a token speaking for a customer does not,
 * whatever its scopes: the metrics are about every customer's orders.
 */
export class ReadOperations {
  constructor(private readonly history: OperationsHistory) {}

  execute(principal: Principal): ReadOperationsResult {
    if (principal.customerId !== null || !principal.scopes.has(scopes.readAll)) return { kind: 'forbidden' };
    return { kind: 'ok', series: this.history.recent() };
  }
}
