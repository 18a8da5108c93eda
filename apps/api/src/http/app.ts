import express, { type Express, type IRouter, type RequestHandler } from 'express';
import { httpEdgeSampling, traceHttpRequests, type Logger } from '@order-service/runtime';
import { errorHandler } from './errors.js';
import type { ApiMetrics } from './metrics.js';
import { methodNotAllowed } from './method-not-allowed.js';
import { HttpProblem, problemTypes } from './problem.js';
import { assignRequestId } from './request-context.js';

export interface HttpAppOptions {
  logger: Logger;
  /** Each declares its routes on the app, the busiest first. */
  routes: ReadonlyArray<(app: IRouter) => void>;
  mapKnownError: (error: unknown) => HttpProblem | undefined;
  metrics: ApiMetrics;
  /** Headers and policies every answer carries: helmet's, and CORS when configured. */
  security: RequestHandler[];
  /** express's `trust proxy`: which peers' X-Forwarded-For names the client. */
  trustProxy: false | string[];
  /** A server span per request (when tracing started; otherwise nothing is installed). */
  traceRequests?: boolean;
}

/**
 * The public express application: the request's id and timing, the feature
 * routes, liveness, 404 and the error handler (readiness and metrics are on
 * the admin port, see admin-app.ts). Express tries every layer in
 * turn, so the routes sit on the app itself (no nested routers), the busiest
 * first, after one middleware; routes that take bodies parse them themselves.
 */
export function buildHttpApp({ logger, routes, mapKnownError, metrics, security, trustProxy, traceRequests = false }: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.set('trust proxy', trustProxy);
  if (traceRequests) app.use(traceHttpRequests(httpEdgeSampling()));
  app.use((req, res, next) => {
    assignRequestId(req, res);
    metrics.timeRequest(req, res);
    next();
  });
  for (const handler of security) app.use(handler);
  for (const declare of routes) declare(app);

  app
    .route('/healthz')
    .get((_req, res) => {
      res.json({ status: 'ok' });
    })
    .all(methodNotAllowed(['GET']));

  app.use((req, _res, next) => {
    next(new HttpProblem({ type: problemTypes.notFound, title: 'Not found', status: 404, detail: `No route ${req.method} ${req.path}.` }));
  });
  app.use(errorHandler(logger, mapKnownError));
  return app;
}
