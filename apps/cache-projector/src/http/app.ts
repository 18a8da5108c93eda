import express, { type Express } from 'express';
import type { MetricsRegistry } from '@order-service/metrics';
import { probeReadiness, type ReadinessCheck } from '@order-service/runtime';

/** The projector's only HTTP surface: liveness, readiness and metrics. */
export function buildHttpApp({ readiness, metrics }: { readiness: readonly ReadinessCheck[]; metrics: MetricsRegistry }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const report = await probeReadiness(readiness);
    res.status(report.ready ? 200 : 503).json({ status: report.ready ? 'ready' : 'not ready', checks: report.checks });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });
  app.use((_req, res) => {
    res
      .status(404)
      .type('application/problem+json')
      .send(JSON.stringify({ type: 'about:blank', title: 'Not found', status: 404 }));
  });
  return app;
}
