/** The Prometheus text a server exposes at `url`, or undefined when it exposes none. */
export async function scrapeMetrics(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    return response.status === 200 ? await response.text() : undefined;
  } catch {
    return undefined;
  }
}

/** Mean of every histogram whose name matches `name`, in milliseconds for `_seconds` histograms. */
export function histogramMeans(text: string | undefined, name: RegExp): Array<{ metric: string; meanMs: number; count: number }> {
  const sums = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const line of text?.split('\n') ?? []) {
    const match = /^([a-zA-Z_:][\w:]*)_(sum|count)(?:\{[^}]*\})? ([\d.eE+-]+)$/.exec(line);
    if (!match?.[1] || !name.test(match[1])) continue;
    const target = match[2] === 'sum' ? sums : counts;
    target.set(match[1], (target.get(match[1]) ?? 0) + Number(match[3]));
  }
  return [...sums].flatMap(([metric, sum]) => {
    const count = counts.get(metric) ?? 0;
    if (count === 0) return [];
    return [{ metric, meanMs: (sum / count) * (metric.endsWith('_seconds') ? 1000 : 1), count }];
  });
}

/** The sum of every sample of the metric named exactly `name` (all label sets); undefined when absent. */
export function sampleSum(text: string | undefined, name: string): number | undefined {
  let total: number | undefined;
  for (const line of text?.split('\n') ?? []) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{[^}]*\})? ([\d.eE+-]+)$/.exec(line);
    if (match?.[1] === name) total = (total ?? 0) + Number(match[2]);
  }
  return total;
}
