import { encodeOrderEvent } from '@order-service/contracts';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { expect } from 'chai';
import { aDelete, anUpsert } from '../../projection/test/support/order-events.js';
import { readOrderBatch } from './order-batch.js';

function aBatch(values: Array<Buffer | null>): KafkaJS.Batch {
  const messages = values.map((value, index) => ({
    key: Buffer.from('o-1'),
    value,
    timestamp: '0',
    attributes: 0,
    offset: String(40 + index),
    headers: { origin: 'test' },
  }));
  return {
    topic: 'orders-events',
    partition: 3,
    highWatermark: '50',
    messages,
    isEmpty: () => messages.length === 0,
    firstOffset: () => messages[0]?.offset ?? null,
    lastOffset: () => messages.at(-1)?.offset ?? '-1',
    offsetLag: () => '0',
    offsetLagLow: () => '0',
  };
}

describe('readOrderBatch', () => {
  it('keeps the events, in order, and skips compaction tombstones', () => {
    const events = [anUpsert('o-1', 1), aDelete('o-1', 2)];

    const read = readOrderBatch(aBatch([encodeOrderEvent(events[0]!), null, encodeOrderEvent(events[1]!)]));

    expect(read.events).to.deep.equal(events);
    expect(read.deadLetters).to.deep.equal([]);
    expect(read.tombstones).to.equal(1);
  });

  it('turns what is not an event into dead letters saying why and where from, with the original bytes', () => {
    const garbage = Buffer.from([0xff, 0x00]);
    const invalid = Buffer.from(JSON.stringify({ ...anUpsert('o-1', 1), version: 0 }));
    const unsupported = Buffer.from(JSON.stringify({ ...anUpsert('o-1', 1), schema_version: 2 }));

    const read = readOrderBatch(aBatch([garbage, invalid, Buffer.alloc(0), unsupported, encodeOrderEvent(anUpsert('o-1', 1))]));

    expect(read.events).to.have.length(1);
    expect(read.deadLetters.map((letter) => [letter.reason, letter.source.offset])).to.deep.equal([
      ['not-json', '40'],
      ['invalid', '41'],
      ['empty', '42'],
      ['unsupported-schema-version', '43'],
    ]);
    expect(read.deadLetters[1]?.error).to.include('/version');
    expect(read.deadLetters[0]).to.deep.include({ value: garbage, key: Buffer.from('o-1'), headers: { origin: 'test' } });
    expect(read.deadLetters[0]?.source).to.deep.equal({ topic: 'orders-events', partition: 3, offset: '40' });
  });
});
