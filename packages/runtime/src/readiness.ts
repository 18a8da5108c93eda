/**
 * One dependency a process needs before it can serve: resolves when healthy,
 * rejects with the reason. It may resolve with a note: still serving, but in a
 * degraded way worth seeing in the probe's answer (a fallback in use).
 */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void | string>;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; error?: string; detail?: string }>;
}

/**
 * Runs every check at once, each bounded by `timeoutMs`, and says which failed.
 * A hung dependency must not hang the probe that load balancers poll.
 */
export async function probeReadiness(checks: readonly ReadinessCheck[], timeoutMs = 2_000): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        const detail = await Promise.race([check(), timeout]);
        return [name, typeof detail === 'string' ? { ok: true, detail } : { ok: true }] as const;
      } catch (error) {
        return [name, { ok: false, error: error instanceof Error ? error.message : String(error) }] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: results.every(([, r]) => r.ok), checks: Object.fromEntries(results) };
}
