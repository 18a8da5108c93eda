/** Mean of every Prometheus histogram at `url` whose name matches `name`, in milliseconds; empty when there is none. */
export async function histogramMeans(url: string, name: RegExp): Promise<Array<{ metric: string; meanMs: number; count: number }>> {
  let text: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    if (response.status !== 200) return [];
    text = await response.text();
  } catch {
    return [];
  }
  const sums = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)_(sum|count)(?:\{[^}]*\})? ([\d.eE+-]+)$/.exec(line);
    if (!match?.[1] || !name.test(match[1])) continue;
    const target = match[2] === 'sum' ? sums : counts;
    target.set(match[1], (target.get(match[1]) ?? 0) + Number(match[3]));
  }
  return [...sums].flatMap(([metric, sum]) => {
    const count = counts.get(metric) ?? 0;
    if (count === 0) return [];
    const scale = metric.endsWith('_seconds') ? 1000 : 1;
    return [{ metric, meanMs: (sum / count) * scale, count }];
  });
}
