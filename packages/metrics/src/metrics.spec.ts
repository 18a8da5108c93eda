import { expect } from 'chai';
import { describe, it } from 'mocha';
import { createMetricsRegistry } from './metrics.js';

async function arrayBuffersBytes(text: Promise<string>): Promise<number> {
  const match = /^nodejs_array_buffers_bytes\{[^}]*\} (\d+)$/m.exec(await text);
  expect(match, 'nodejs_array_buffers_bytes in the scrape').to.not.equal(null);
  return Number(match?.[1]);
}

describe('createMetricsRegistry', () => {
  it('exposes the memory of ArrayBuffers, which counts every Buffer the process holds', async () => {
    const registry = createMetricsRegistry('test');
    const held = Buffer.allocUnsafeSlow(64 * 1024 * 1024).fill(1);
    expect(await arrayBuffersBytes(registry.metrics())).to.be.at.least(held.byteLength);
  });
});
