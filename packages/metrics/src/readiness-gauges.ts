// Readiness as metrics: what /readyz answers, exported at scrape time so that an alert can say "not ready".
import client from 'prom-client';

/** What a readiness probe reports; the shape of @order-service/runtime's ReadinessReport. */
export interface ReadinessSnapshot {
  ready: boolean;
  checks: Record<string, { ok: boolean }>;
}

/**
 * Registers `service_ready` (1 when every check passes) and
 * `readiness_check_ok{check}` (1 per passing check), both probed at scrape
 * time by `probe` (which bounds each check itself, as /readyz does).
 */
export function registerReadinessGauges(registry: client.Registry, probe: () => Promise<ReadinessSnapshot>): void {
  // One probe per scrape, shared by both gauges.
  let pending: Promise<ReadinessSnapshot> | undefined;
  const snapshot = (): Promise<ReadinessSnapshot> => {
    pending ??= probe().finally(() => {
      pending = undefined;
    });
    return pending;
  };
  new client.Gauge({
    name: 'service_ready',
    help: 'Whether every readiness check of this process passes (1) or not (0), as /readyz answers.',
    registers: [registry],
    async collect() {
      this.set((await snapshot()).ready ? 1 : 0);
    },
  });
  new client.Gauge({
    name: 'readiness_check_ok',
    help: 'Whether each readiness check passes (1) or not (0).',
    labelNames: ['check'],
    registers: [registry],
    async collect() {
      const { checks } = await snapshot();
      this.reset();
      for (const [check, { ok }] of Object.entries(checks)) this.set({ check }, ok ? 1 : 0);
    },
  });
}
