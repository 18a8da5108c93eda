import { EventDecodeError, encodeOrderEvent, serializeOrderUpsert } from '@order-service/contracts';
import { expect } from 'chai';
import { aDelete, anUpsert } from '../test/support/order-events.js';
import { MemoryProjectionStore } from './testing/memory-projection-store.js';
import { ProjectionStoreRejected } from './projection-errors.js';
import type { ApplyOutcome, CachedOrder, ProjectionStore, ProjectionWrite } from './projection-store.js';
import { Projection, decide, toEncodedWrite, toProjectionWrite } from './projection.js';

describe('toProjectionWrite', () => {
  it('carries the order of an upsert as the JSON clients are served', () => {
    const event = anUpsert('o-1', 4);

    expect(toProjectionWrite(event)).to.deep.equal({ orderUid: 'o-1', version: 4, json: JSON.stringify(event.order), modifiedAt: event.occurred_at });
  });

  it('turns a delete into a tombstone write', () => {
    const deletion = aDelete('o-1', 5);
    expect(toProjectionWrite(deletion)).to.deep.equal({ orderUid: 'o-1', version: 5, json: null, modifiedAt: deletion.occurred_at });
  });
});

describe('toEncodedWrite', () => {
  it("keeps the bytes of an upsert's document, the text toProjectionWrite would make", () => {
    const event = anUpsert('o-1', 4);
    const write = toEncodedWrite(Buffer.from(serializeOrderUpsert(event), 'utf8'));
    expect({ ...write, json: Buffer.isBuffer(write.json) ? write.json.toString('utf8') : write.json }).to.deep.equal(toProjectionWrite(event));
  });

  it('decodes a delete, and refuses what is no event', () => {
    const deletion = aDelete('o-1', 5);
    expect(toEncodedWrite(encodeOrderEvent(deletion))).to.deep.equal(toProjectionWrite(deletion));
    expect(() => toEncodedWrite(Buffer.from('{"type":"order.upserted","order":{}}'))).to.throw(EventDecodeError);
  });
});

describe('decide', () => {
  const present = (version: number): CachedOrder => ({ state: 'present', version, json: '{}' });
  const deleted = (version: number): CachedOrder => ({ state: 'deleted', version });
  const upsert = (version: number): ProjectionWrite => ({ orderUid: 'o-1', version, json: '{}', modifiedAt: '2025-01-01T00:00:00Z' });
  const remove = (version: number): ProjectionWrite => ({ orderUid: 'o-1', version, json: null, modifiedAt: '2025-01-01T00:00:00Z' });

  const table: Array<[string, CachedOrder | null, ProjectionWrite, ApplyOutcome]> = [
    ['an upsert of an unknown order', null, upsert(1), 'applied'],
    ['a delete of an unknown order (leaves a tombstone)', null, remove(1), 'applied'],
    ['a newer upsert', present(1), upsert(2), 'applied'],
    ['the same version again', present(2), upsert(2), 'stale'],
    ['an older upsert', present(2), upsert(1), 'stale'],
    ['a newer delete', present(2), remove(3), 'applied'],
    ['a delete of the present version', present(3), remove(3), 'stale'],
    ['an older delete', present(3), remove(2), 'stale'],
    ['an upsert newer than the tombstone', deleted(3), upsert(4), 'applied'],
    ['an upsert older than the tombstone', deleted(3), upsert(2), 'stale'],
    ['the delete again', deleted(3), remove(3), 'stale'],
    ['a newer delete over a tombstone', deleted(3), remove(5), 'applied'],
  ];

  for (const [name, current, write, outcome] of table) {
    it(`${name}: ${outcome}`, () => {
      expect(decide(current, write)).to.equal(outcome);
    });
  }
});

describe('Projection', () => {
  const store = (): MemoryProjectionStore => new MemoryProjectionStore({ tombstoneTtlMs: 60_000 });

  it('counts applied and stale events', async () => {
    const projection = new Projection(store());

    await projection.applyBatch([anUpsert('o-1', 1), anUpsert('o-1', 1), anUpsert('o-1', 2)]);
    await projection.apply(anUpsert('o-1', 1));
    await projection.apply(aDelete('o-2', 1));

    expect({ applied: projection.applied, stale: projection.stale }).to.deep.equal({ applied: 3, stale: 2 });
  });

  it('returns the outcome of each event', async () => {
    const projection = new Projection(store());

    expect(await projection.applyBatch([anUpsert('o-1', 2), anUpsert('o-1', 1), aDelete('o-1', 3)])).to.deep.equal(['applied', 'stale', 'applied']);
    expect(await projection.apply(aDelete('o-1', 3))).to.equal('stale');
  });

  it('refuses a store that does not answer one outcome per event', async () => {
    const broken: ProjectionStore = { applyBatch: async () => ['applied'], fill: async () => 'applied', get: async () => null };

    await expect(new Projection(broken).applyBatch([anUpsert('o-1', 1), anUpsert('o-2', 1)])).to.be.rejectedWith(
      ProjectionStoreRejected,
      'returned 1 outcomes for 2 events',
    );
  });
});
