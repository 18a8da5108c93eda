import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { shareOfCode, summariseCpuProfile, type CpuProfile } from './cpu-profile.js';

const TRACING = 'file:///app/node_modules/@opentelemetry/sdk-trace/dist/Span.mjs';
const MIDDLEWARE = 'file:///app/packages/runtime/dist/http-tracing.js';
const ROUTE = 'file:///app/apps/api/dist/http/order-routes.js';
const isTracing = (url: string) => url.includes('/@opentelemetry/') || url.endsWith('/http-tracing.js');

/** A call tree from nested [url, functionName, selfSamples, children] tuples; node ids in depth-first order. */
type Tree = [url: string, name: string, hits: number, children?: Tree[]];
function profileOf(root: Tree): CpuProfile {
  const nodes: CpuProfile['nodes'] = [];
  const add = ([url, functionName, hitCount, children = []]: Tree): number => {
    const node = { id: nodes.length + 1, callFrame: { functionName, url, lineNumber: 0 }, hitCount, children: [] as number[] };
    nodes.push(node);
    node.children = children.map(add);
    return node.id;
  };
  add(root);
  return { nodes };
}

describe('shareOfCode (CPU profile attribution)', () => {
  it("counts Node's own frames for the nearest script that called them, and what a middleware calls on for the callee", () => {
    const profile = profileOf([
      '',
      '(root)',
      0,
      [
        ['', '(idle)', 50],
        ['', '(garbage collector)', 5],
        [
          MIDDLEWARE,
          'traceHttpRequests',
          10,
          [
            ['node:events', 'once', 4, [['', 'native', 1]]],
            [ROUTE, 'sendOrder', 30, [['node:_http_outgoing', 'setHeader', 20]]],
          ],
        ],
        [TRACING, 'serializeSpan', 15, [['node:net', 'writev', 15]]],
      ],
    ]);

    const share = shareOfCode(profile, isTracing);

    // Busy: everything but idle (5 + 10 + 4 + 1 + 30 + 20 + 15 + 15 = 100); tracing: the middleware's own 10,
    // the listener it added (4 + 1), and the exporter with its socket write (15 + 15).
    expect(share).to.deep.equal({ share: 0.45, samples: 45, busy: 100 });
  });

  it('leaves out the samples taken while a module loads', () => {
    const profile = profileOf([
      '',
      '(root)',
      0,
      [
        ['node:internal/modules/esm/loader', 'import', 0, [[TRACING, 'register', 40]]],
        [ROUTE, 'sendOrder', 9],
        [TRACING, 'startSpan', 1],
      ],
    ]);

    expect(shareOfCode(profile, isTracing)).to.deep.equal({ share: 0.1, samples: 1, busy: 10 });
  });

  it('gives 0 for a profile with no busy samples', () => {
    expect(shareOfCode(profileOf(['', '(root)', 0, [['', '(idle)', 7]]]), isTracing)).to.deep.equal({ share: 0, samples: 0, busy: 0 });
  });
});

describe('summariseCpuProfile', () => {
  it('splits the busy time by self time, and after start-up by the nearest script with what it called', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpu-profile-'));
    try {
      const profile = profileOf([
        '',
        '(root)',
        0,
        [
          ['', '(idle)', 100],
          ['', '(garbage collector)', 10],
          ['node:internal/modules/esm/loader', 'import', 0, [[ROUTE, 'load', 10]]],
          [ROUTE, 'sendOrder', 20, [['node:net', 'writev', 40]]],
          [TRACING, 'serializeSpan', 20],
        ],
      ]);
      writeFileSync(join(dir, 'CPU.1.cpuprofile'), JSON.stringify(profile));

      const summary = summariseCpuProfile(dir);

      // Self time: 100 busy samples of 200, start-up included; writev is Node's own.
      expect(summary?.idleShare).to.equal(0.5);
      expect(summary?.byOwner).to.deep.include({ owner: 'node internals', share: 0.4 });
      expect(summary?.byOwner).to.deep.include({ owner: 'apps/api', share: 0.3 });
      // By the nearest script, after start-up (90 samples): the route with the socket write it made.
      expect(summary?.byCaller).to.deep.equal([
        { owner: 'apps/api', share: 60 / 90 },
        { owner: '@opentelemetry/sdk-trace', share: 20 / 90 },
        { owner: '(V8: garbage collector, compiler)', share: 10 / 90 },
      ]);
      expect(summary?.topCallers[0]?.name).to.match(/^sendOrder .*order-routes\.js:1$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
