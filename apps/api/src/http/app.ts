import express, { type Express, type Router } from 'express';
import { probeReadiness, type Logger, type ReadinessCheck } from '@order-service/runtime';
import { errorHandler } from './errors.js';
import type { ApiMetrics } from './metrics.js';
import { methodNotAllowed } from './method-not-allowed.js';
import { HttpProblem, problemTypes } from './problem.js';
import { requestContext } from './request-context.js';

export interface HttpAppOptions {
  logger: Logger;
  readiness: readonly ReadinessCheck[];
  routers: readonly Router[];
  mapKnownError: (error: unknown) => HttpProblem | undefined;
  metrics: ApiMetrics;
}

/**
 * The express application: request context, the feature routers (the busiest
 * first: express tries every layer in turn), health, metrics, 404 and the
 * error handler. Routers that take bodies parse them on their own routes.
 */
export function buildHttpApp({ logger, readiness, routers, mapKnownError, metrics }: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(requestContext(logger));
  app.use(metrics.timeRequests());
  for (const router of routers) app.use(router);

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
