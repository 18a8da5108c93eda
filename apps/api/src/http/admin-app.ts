import express, { type Express } from 'express';
import { probeReadiness, type Logger, type ReadinessCheck } from '@order-service/runtime';
import { errorHandler } from './errors.js';
import type { ApiMetrics } from './metrics.js';
import { methodNotAllowed } from './method-not-allowed.js';
import { HttpProblem, problemTypes } from './problem.js';

export interface AdminAppOptions {
  logger: Logger;
  readiness: readonly ReadinessCheck[];
  metrics: ApiMetrics;
}

/**
 * The operations endpoints, on their own port (ADMIN_PORT) that the load
 * balancer does not publish: liveness, readiness naming the failed check, and
 * the Prometheus metrics, which say more about the system than clients should see.
 */
export function buildAdminApp({ logger, readiness, metrics }: AdminAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
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
  app.use(errorHandler(logger, () => undefined));
  return app;
}
