import v8 from 'node:v8';
import vm from 'node:vm';
import { expect } from 'chai';
import { describe, it } from 'mocha';
import { anOrder } from '@order-service/domain/testing';
import { ENTRY_OVERHEAD_BYTES, LruOrderCache } from './lru-order-cache.js';

const DOCUMENT = JSON.stringify(anOrder().withItems(3).build());
const uidOf = (i: number): string => `0193a5b4-7c1e-7a2b-9c3d-${String(i).padStart(12, '0')}`;
const entryOf = (i: number, version = 1) => ({
  state: 'present' as const,
  version,
  json: DOCUMENT.replace('"order_uid":"', `"order_uid":"${uidOf(i)}`),
  modifiedAt: '2024-01-01T00:00:00.000Z',
});

describe('LruOrderCache', function () {
  it('holds each order once, as bytes of their own (no string, no slice of a shared slab)', function () {
    const lru = new LruOrderCache({ maxEntries: 10, maxBytes: 1_000_000, ttlMs: 0 });
    expect(lru.offer(uidOf(1), entryOf(1))).to.equal('applied');
    const held = lru.peek(uidOf(1));
    if (held?.state !== 'present') throw new Error('expected the order');
    expect(held.view.body.toString('utf8')).to.equal(entryOf(1).json);
    expect(held.view.body.byteOffset).to.equal(0);
    expect(held.view.body.buffer.byteLength).to.equal(held.view.body.byteLength);
    expect(held.view.tier).to.equal('lru');
    expect(held.view.modifiedAt?.toISOString()).to.equal('2024-01-01T00:00:00.000Z');
    expect(Object.values(held)).to.not.include(entryOf(1).json);
  });

  it('counts the bytes, the key and the overhead of each entry, and never holds more than maxBytes', function () {
    const perEntry = 2 * uidOf(0).length + ENTRY_OVERHEAD_BYTES + Buffer.byteLength(entryOf(0).json);
    const lru = new LruOrderCache({ maxEntries: 1_000, maxBytes: perEntry * 10, ttlMs: 0 });
    lru.offer(uidOf(0), entryOf(0));
    expect(lru.bytes).to.equal(perEntry);
    for (let i = 1; i < 50; i += 1) lru.offer(uidOf(i), entryOf(i));
    expect(lru.size).to.equal(10);
    expect(lru.bytes).to.be.at.most(perEntry * 10);
    expect(lru.peek(uidOf(49))?.state).to.equal('present');
    expect(lru.peek(uidOf(0))).to.equal(undefined);
  });

  it('keeps the newer version whichever arrives last, and a tombstone above an older order', async function () {
    const lru = new LruOrderCache({ maxEntries: 10, maxBytes: 1_000_000, ttlMs: 0 });
    expect(lru.offer(uidOf(1), entryOf(1, 2))).to.equal('applied');
    expect(lru.offer(uidOf(1), entryOf(1, 2))).to.equal('stale');
    expect(lru.offer(uidOf(1), entryOf(1, 1))).to.equal('stale');
    expect(lru.offer(uidOf(1), { state: 'deleted', version: 3 })).to.equal('applied');
    expect(lru.offer(uidOf(1), entryOf(1, 2))).to.equal('stale');
    expect(await lru.get(uidOf(1))).to.deep.equal({ state: 'deleted', version: 3 });
    lru.offer(uidOf(2), entryOf(2, 5));
    expect(await lru.get(uidOf(2))).to.deep.equal(entryOf(2, 5));
  });

  it('costs the heap and the external memory no more than it counts', function () {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const count = 5_000;
    const entries = Array.from({ length: count }, (_, i) => entryOf(i));
    const uids = entries.map((_, i) => uidOf(i));
    const lru = new LruOrderCache({ maxEntries: count, maxBytes: Number.MAX_SAFE_INTEGER, ttlMs: 60_000 });
    // What the HTTP layer keeps per view, as order-routes.ts does.
    const headers = new WeakMap<object, unknown>();
    gc();
    const before = process.memoryUsage();
    for (let i = 0; i < count; i += 1) lru.offer(uids[i] ?? '', entries[i] ?? entryOf(i));
    for (const uid of uids) {
      const held = lru.peek(uid);
      if (held?.state === 'present')
        headers.set(held.view, [
          ['ETag', `"v${held.version}"`],
          ['Last-Modified', held.view.modifiedAt?.toUTCString()],
        ]);
    }
    gc();
    const after = process.memoryUsage();
    const grown = after.heapUsed - before.heapUsed + (after.external - before.external);
    expect(lru.size).to.equal(count);
    expect(grown, `grew ${Math.round(grown / count)} bytes per entry, counted ${Math.round(lru.bytes / count)}`).to.be.at.most(lru.bytes);
  });
});
