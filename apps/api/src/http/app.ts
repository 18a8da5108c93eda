import express, { type Express, type IRouter } from 'express';
import { probeReadiness, type Logger, type ReadinessCheck } from '@order-service/runtime';
import { errorHandler } from './errors.js';
import type { ApiMetrics } from './metrics.js';
import { methodNotAllowed } from './method-not-allowed.js';
import { HttpProblem, problemTypes } from './problem.js';
import { assignRequestId } from './request-context.js';

export interface HttpAppOptions {
  logger: Logger;
  readiness: readonly ReadinessCheck[];
  /** Each declares its routes on the app, the busiest first. */
  routes: ReadonlyArray<(app: IRouter) => void>;
  mapKnownError: (error: unknown) => HttpProblem | undefined;
  metrics: ApiMetrics;
}

/**
 * The express application: the request's id and timing, the feature routes,
 * health, metrics, 404 and the error handler. Express tries every layer in
 * turn, so the routes sit on the app itself (no nested routers), the busiest
 * first, after one middleware; routes that take bodies parse them themselves.
 */
export function buildHttpApp({ logger, readiness, routes, mapKnownError, metrics }: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use((req, res, next) => {
    assignRequestId(req, res);
    metrics.timeRequest(req, res);
    next();
  });
  for (const declare of routes) declare(app);

  app
    .route('/healthz')
    .get((_req, res) => {
      res.json({ status: 'ok' });
    })
    .all(methodNotAllowed(['GET']));
  app
    .route('/readyz')
    .get(async (_req, res) => {
      const report = await probeReadiness(readiness);
      res.status(report.ready ? 200 : 503).json({ status: report.ready ? 'ready' : 'not ready', checks: report.checks });
    })
    .all(methodNotAllowed(['GET']));
  app.use(metrics.router());

  app.use((req, _res, next) => {
    next(new HttpProblem({ type: problemTypes.notFound, title: 'Not found', status: 404, detail: `No route ${req.method} ${req.path}.` }));
  });
  app.use(errorHandler(logger, mapKnownError));
  return app;
}
