// GET /operations/series: the operations view's data, for staff tokens.
import type { IRouter, RequestHandler } from 'express';
import type { ReadOperations } from '../use-cases/read-operations.use-case.js';
import { scopes } from '../use-cases/principal.js';
import { insufficientScope, principalOf, requireScope } from './auth/authenticate.js';
import { methodNotAllowed } from './method-not-allowed.js';

export interface OperationsRoutesOptions {
  /** Authentication and rate limiting, as for the order routes. */
  access: RequestHandler[];
  readOperations: ReadOperations;
}

/** The points of the last 15 minutes (see MetricsSampler) as JSON; a customer's token gets 403. */
export function operationsRoutes({ access, readOperations }: OperationsRoutesOptions): (app: IRouter) => void {
  return (router) => {
    router
      .route('/operations/series')
      .get(...access, requireScope(scopes.readAll), (_req, res, next) => {
        const result = readOperations.execute(principalOf(res));
        if (result.kind === 'forbidden') {
          // A customer's token, even one granted orders:read:all, does not reach every customer's figures.
          next(insufficientScope(scopes.readAll));
          return;
        }
        const { intervalMs, windowMs, points, sources } = result.series;
        res.set('Cache-Control', 'no-store').json({ interval_ms: intervalMs, window_ms: windowMs, sources, points });
      })
      .all(methodNotAllowed(['GET']));
  };
}
