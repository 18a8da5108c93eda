import { expect } from 'chai';
import fc from 'fast-check';
import { describe, it } from 'mocha';
import client from 'prom-client';
import { SeriesHistogram } from './series-histogram.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];

/** A scrape as a map from each sample's name and sorted labels to its value. */
function samples(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const [, name, labels = '', value] = match;
    const sorted = labels
      .split(/,(?=\w+=)/)
      .filter(Boolean)
      .sort()
      .join(',');
    map.set(`${name}{${sorted}}`, Number(value));
  }
  return map;
}

function registries(): { ours: client.Registry; theirs: client.Registry } {
  const ours = new client.Registry();
  const theirs = new client.Registry();
  for (const registry of [ours, theirs]) registry.setDefaultLabels({ service: 'test' });
  return { ours, theirs };
}

describe('SeriesHistogram', () => {
  it("scrapes exactly as prom-client's Histogram fed the same observations", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            route: fc.constantFrom('/orders', '/orders/:uid'),
            status: fc.constantFrom('200', '404'),
            seconds: fc.oneof(fc.constantFrom(...BUCKETS, 0, 5), fc.double({ min: 0, max: 3, noNaN: true })),
          }),
          { maxLength: 40 },
        ),
        async (observations) => {
          const { ours, theirs } = registries();
          const histogram = new SeriesHistogram('request_seconds', 'Requests.', ['route', 'status'], BUCKETS, ours);
          const reference = new client.Histogram({
            name: 'request_seconds',
            help: 'Requests.',
            labelNames: ['route', 'status'],
            buckets: BUCKETS,
            registers: [theirs],
          });
          for (const { route, status, seconds } of observations) {
            histogram.series(`${route} ${status}`, () => ({ route, status })).observe(seconds);
            reference.observe({ route, status }, seconds);
          }
          const [text, expected] = await Promise.all([ours.metrics(), theirs.metrics()]);
          expect(samples(text)).to.deep.equal(samples(expected));
          expect(text.split('\n').slice(0, 2)).to.deep.equal(expected.split('\n').slice(0, 2));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps one series per key and forgets them all on reset', async () => {
    const { ours } = registries();
    const histogram = new SeriesHistogram('request_seconds', 'Requests.', ['route'], BUCKETS, ours);
    const first = histogram.series('a', () => ({ route: '/a' }));
    expect(histogram.series('a', () => ({ route: '/other' }))).to.equal(first);
    first.observe(0.5);
    expect(await ours.metrics()).to.contain('request_seconds_count{route="/a",service="test"} 1');
    ours.resetMetrics();
    expect(await ours.metrics()).to.not.contain('request_seconds_count');
  });

  it('refuses a value that is not a finite number', () => {
    const { ours } = registries();
    const series = new SeriesHistogram('request_seconds', 'Requests.', ['route'], BUCKETS, ours).series('a', () => ({ route: '/a' }));
    expect(() => series.observe(Number.NaN)).to.throw(TypeError);
    expect(() => series.observe(Number.POSITIVE_INFINITY)).to.throw(TypeError);
  });
});
