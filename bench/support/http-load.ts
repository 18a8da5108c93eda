import autocannon from 'autocannon';
import { authorizationHeader } from './bench-auth.js';
import { cpuBetween, snapshotCpu } from './cpu-usage.js';
import type { LoadResult, LoadSpec } from './load-spec.js';
import { runPacedLoad } from './paced-load.js';

/** Each kind of load the suite generated, as the equivalent autocannon command line, for the report. */
export const loadCommands = new Map<string, string>();

/**
 * One run of load from this process (the load generator, pinned to its own
 * core by scripts/bench): autocannon as fast as the connections go, or, with
 * `overallRate`, runPacedLoad's open-loop requests at that rate. Fails when
 * anything but 2xx came back, or when more than one request in 10,000 failed
 * to connect or timed out.
 */
export async function runLoad(given: LoadSpec): Promise<LoadResult> {
  const spec: LoadSpec = { ...given, headers: { ...authorizationHeader(), ...given.headers } };
  if (spec.overallRate !== undefined) {
    if (spec.paths !== undefined) throw new Error('a paced run sends every request to spec.url; it does not cycle through paths');
    const target = new URL(spec.url);
    const kind = `${spec.method ?? 'GET'} ${target.pathname} c=${spec.connections} paced ${spec.overallRate}/s`;
    if (!loadCommands.has(kind)) {
      loadCommands.set(
        kind,
        `# open-loop, bench/support/paced-load.ts: one ${spec.method ?? 'GET'} ${target.origin}${target.pathname} every ${formatInterval(spec.overallRate)} ms ` +
          `for ${spec.durationSeconds} s over up to ${spec.connections} keep-alive connections, latency from each request's due time`,
      );
    }
    return runPacedLoad({ ...spec, overallRate: spec.overallRate });
  }
  const paths = spec.paths && spec.paths.length > 0 ? spec.paths : undefined;
  let connectionIndex = 0;
  const tokens = spec.tokens && spec.tokens.length > 0 ? spec.tokens : undefined;
  const headers = { ...(spec.body !== undefined && { 'content-type': 'application/json' }), ...spec.headers };
  const requestOf = (path: string, index: number): autocannon.Request => ({
    path,
    ...(tokens && { headers: { ...headers, authorization: `Bearer ${tokens[index % tokens.length] ?? ''}` } }),
    ...(spec.onResponse && { onResponse: (status: number, body: string) => spec.onResponse?.(status, body) }),
  });
  const options: autocannon.Options = {
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationSeconds,
    method: spec.method ?? 'GET',
    ...(spec.body !== undefined && { body: spec.body }),
    headers,
    requests: [requestOf(paths?.[0] ?? new URL(spec.url).pathname, 0)],
    ...(paths && {
      setupClient: (client: autocannon.Client) => {
        const offset = Math.floor((connectionIndex * paths.length) / spec.connections) % paths.length;
        connectionIndex += 1;
        const ordered = [...paths.slice(offset), ...paths.slice(0, offset)];
        // With tokens, as many requests as it takes for every token to come round once per connection.
        const count = tokens ? Math.max(ordered.length, tokens.length) : ordered.length;
        client.setRequests(Array.from({ length: count }, (_, i) => requestOf(ordered[i % ordered.length] ?? '/', offset + i)));
      },
    }),
    timeout: 10,
  };
  const target = new URL(spec.url);
  const kind = `${options.method} ${target.pathname} c=${spec.connections}${paths ? ' paths' : ''}`;
  if (!loadCommands.has(kind)) {
    loadCommands.set(
      kind,
      [
        'autocannon',
        `-c ${spec.connections}`,
        `-d ${spec.durationSeconds}`,
        ...(spec.method === 'POST' ? ['-m POST', "-H 'content-type: application/json'", "-b '<the template order>'"] : []),
        `${target.origin}${paths ? '/orders/<uid>' : target.pathname}`,
        ...(paths ? [`# cycling through ${paths.length} seeded uids, each connection from its own offset`] : []),
      ].join(' '),
    );
  }
  const before = snapshotCpu(spec.watch, spec.groups);
  const result = await autocannon(options);
  const cpu = cpuBetween(before, snapshotCpu(spec.watch, spec.groups));
  const ok = result['2xx'];
  // A benchmark of errors measures nothing; a reset connection in tens of thousands of requests is the machine's noise.
  if (result.non2xx > 0 || result.errors > Math.max(0, (ok + result.non2xx) / 10_000)) {
    throw new Error(`${spec.method ?? 'GET'} ${spec.url}: ${result.non2xx} non-2xx responses and ${result.errors} errors of ${ok + result.non2xx}`);
  }
  return {
    requestsPerSecond: ok / result.duration,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    durationSeconds: result.duration,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.mean },
    cpu,
  };
}

/** A few seconds of load that is not measured: JIT, pools and caches warm up. */
export async function warmUp(spec: LoadSpec, seconds = 2): Promise<void> {
  await runLoad({ ...spec, durationSeconds: seconds });
}

function formatInterval(rate: number): string {
  return String(Math.round((1000 / rate) * 100) / 100);
}
