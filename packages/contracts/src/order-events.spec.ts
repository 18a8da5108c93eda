import { anOrder } from '@order-service/domain/testing';
import { expect } from 'chai';
import { describe, it } from 'mocha';
import { EventDecodeError, EventEncodeError } from './errors.js';
import type { EventDecodeReason } from './errors.js';
import {
  decodeOrderEvent,
  encodeOrderEvent,
  orderDocumentText,
  SCHEMA_VERSION,
  schemaVersionOfSerialized,
  serializeOrderEvent,
  serializeOrderUpsert,
  splitOrderUpsert,
  validateOrderEvent,
} from './order-events.js';
import type { OrderDeleted, OrderEvent, OrderUpserted } from './order-events.js';

const order = anOrder().build();

function anUpsert(patch: Partial<OrderUpserted> = {}): OrderUpserted {
  return {
    schema_version: SCHEMA_VERSION,
    type: 'order.upserted',
    event_id: '0193a5b4-7c1e-7a2b-9c3d-4e5f60718294',
    order_uid: order.order_uid,
    version: 3,
    occurred_at: '2021-11-26T06:22:19.123Z',
    request_id: 'req-1',
    order,
    ...patch,
  };
}

function aDelete(patch: Partial<OrderDeleted> = {}): OrderDeleted {
  return {
    schema_version: SCHEMA_VERSION,
    type: 'order.deleted',
    event_id: '0193a5b4-7c1e-7a2b-9c3d-4e5f60718295',
    order_uid: order.order_uid,
    version: 4,
    occurred_at: '2021-11-26T07:00:00Z',
    request_id: null,
    ...patch,
  };
}

function decodeFailure(value: Buffer | string | null): EventDecodeError {
  try {
    decodeOrderEvent(value);
  } catch (error) {
    expect(error).to.be.instanceOf(EventDecodeError);
    return error as EventDecodeError;
  }
  expect.fail('the message should not have decoded');
}

function expectDecodeFailure(value: Buffer | string | null, reason: EventDecodeReason): EventDecodeError {
  const error = decodeFailure(value);
  expect(error.reason).to.equal(reason);
  expect(error.code).to.equal('CONTRACT.EVENT_DECODE');
  expect(error.errors).to.have.length.greaterThan(0);
  return error;
}

describe('order events', () => {
  describe('encode and decode', () => {
    for (const event of [anUpsert(), anUpsert({ request_id: null }), aDelete(), aDelete({ request_id: 'req-2' })]) {
      it(`round-trips ${event.type} with request_id ${String(event.request_id)}`, () => {
        const message = encodeOrderEvent(event);
        expect(message).to.be.instanceOf(Buffer);
        expect(decodeOrderEvent(message)).to.deep.equal(event);
        expect(decodeOrderEvent(message.toString('utf8'))).to.deep.equal(event);
      });
    }

    it('writes the wire names as JSON', () => {
      const wire: unknown = JSON.parse(encodeOrderEvent(aDelete()).toString('utf8'));
      expect(wire).to.deep.equal(aDelete());
    });

    it('keeps non-ASCII text intact through UTF-8', () => {
      const event = anUpsert({ order: anOrder().withDelivery({ name: 'Jöhn 😀 Дое' }).build() });
      expect(decodeOrderEvent(encodeOrderEvent(event))).to.deep.equal(event);
    });

    it('refuses to encode an invalid event', () => {
      const event = anUpsert({ version: 0 });
      expect(() => encodeOrderEvent(event))
        .to.throw(EventEncodeError)
        .that.satisfies((error: EventEncodeError) => {
          expect(error.code).to.equal('CONTRACT.EVENT_ENCODE');
          expect(error.errors).to.deep.equal([{ path: '/version', message: 'must be greater than or equal to 1' }]);
          return true;
        });
    });
  });

  describe('decode failures', () => {
    for (const value of [null, '', Buffer.alloc(0)]) {
      it(`an ${value === null ? 'absent (tombstone)' : 'empty'} value is 'empty'`, () => {
        expectDecodeFailure(value, 'empty');
      });
    }

    for (const value of ['not json', '{"schema_version":1,', Buffer.from([0xff, 0xfe, 0x00]), '   ']) {
      it(`${JSON.stringify(String(value))} is 'not-json'`, () => {
        const error = expectDecodeFailure(value, 'not-json');
        expect(error.cause).to.be.instanceOf(SyntaxError);
        expect(error.errors[0]?.path).to.equal('');
      });
    }

    for (const version of [0, 2, 99]) {
      it(`schema_version ${version} is 'unsupported-schema-version'`, () => {
        const error = expectDecodeFailure(JSON.stringify({ ...anUpsert(), schema_version: version }), 'unsupported-schema-version');
        expect(error.errors).to.deep.equal([{ path: '/schema_version', message: `is ${version}; this build reads 1` }]);
      });
    }

    const invalid: [name: string, value: unknown, errors: { path: string; message: string }[]][] = [
      ['a JSON array', [anUpsert()], [{ path: '', message: 'must be of type object' }]],
      ['a JSON number', 42, [{ path: '', message: 'must be of type object' }]],
      ['JSON null', null, [{ path: '', message: 'must be of type object' }]],
      ['a missing type', { ...aDelete(), type: undefined }, [{ path: '/type', message: 'is required' }]],
      ['an unknown type', { ...aDelete(), type: 'order.archived' }, [{ path: '/type', message: 'must be one of [order.upserted, order.deleted]' }]],
      [
        'a schema_version as a string',
        { ...aDelete(), schema_version: '1' },
        [
          { path: '/schema_version', message: 'must be 1' },
          { path: '/schema_version', message: 'must be a number' },
        ],
      ],
      ['a missing schema_version', { ...aDelete(), schema_version: undefined }, [{ path: '/schema_version', message: 'is required' }]],
      ['version 0', aDelete({ version: 0 }), [{ path: '/version', message: 'must be greater than or equal to 1' }]],
      ['a fractional version', aDelete({ version: 1.5 }), [{ path: '/version', message: 'must be an integer' }]],
      ['a version as a string', { ...aDelete(), version: '4' }, [{ path: '/version', message: 'must be a number' }]],
      ['a missing request_id', { ...aDelete(), request_id: undefined }, [{ path: '/request_id', message: 'is required' }]],
      [
        'a local occurred_at',
        aDelete({ occurred_at: '2021-11-26T07:00:00' }),
        [{ path: '/occurred_at', message: 'must be an ISO 8601 date-time with a time zone, e.g. 2021-11-26T06:22:19Z' }],
      ],
      ['an unknown envelope field', { ...aDelete(), extra: true }, [{ path: '/extra', message: 'is not allowed' }]],
      ['an order on a delete', { ...aDelete(), order }, [{ path: '/order', message: 'is not allowed' }]],
      ['an upsert without its order', { ...anUpsert(), order: undefined }, [{ path: '/order', message: 'is required' }]],
      ['an order of another uid', anUpsert({ order_uid: 'another-order' }), [{ path: '/order/order_uid', message: 'must equal the order_uid of the event' }]],
      [
        'an order missing a field',
        anUpsert({ order: { ...order, date_created: undefined } as unknown as OrderUpserted['order'] }),
        [{ path: '/order/date_created', message: 'is required' }],
      ],
      [
        'an item price as a string',
        { ...anUpsert(), order: { ...order, items: [{ ...order.items[0], price: '200' }] } },
        [{ path: '/order/items/0/price', message: 'must be a number' }],
      ],
    ];

    for (const [name, value, errors] of invalid) {
      it(`${name} is 'invalid'`, () => {
        const error = expectDecodeFailure(JSON.stringify(value), 'invalid');
        expect(error.errors).to.deep.equal(errors);
        expect(error.message).to.include(errors[0]?.message);
      });
    }

    it('does not apply the domain rules to a recorded event', () => {
      const event = anUpsert({ order: anOrder().withPayment({ amount: 1 }).build() });
      expect(decodeOrderEvent(JSON.stringify(event))).to.deep.equal(event);
    });
  });

  describe('validateOrderEvent', () => {
    it('returns the event typed by its type', () => {
      const result = validateOrderEvent(anUpsert());
      expect(result.ok).to.equal(true);
      const event: OrderEvent | undefined = result.ok ? result.value : undefined;
      expect(event?.type === 'order.upserted' ? event.order.order_uid : undefined).to.equal(order.order_uid);
    });
  });
});

describe('schemaVersionOfSerialized', () => {
  it("reads the envelope's schema_version, wherever the envelope puts it, and not one inside a string value", () => {
    const tricky = anUpsert({ request_id: '"schema_version":7,' });
    expect(schemaVersionOfSerialized(serializeOrderEvent(tricky))).to.equal(SCHEMA_VERSION);
    const { schema_version, ...rest } = aDelete();
    expect(schemaVersionOfSerialized(JSON.stringify({ ...rest, schema_version: 2 }))).to.equal(2);
    expect(schemaVersionOfSerialized(JSON.stringify({ ...rest, schema_version }))).to.equal(SCHEMA_VERSION);
  });

  it('says undefined for text without one', () => {
    expect(schemaVersionOfSerialized('not json')).to.equal(undefined);
    expect(schemaVersionOfSerialized(JSON.stringify({ request_id: '"schema_version":1,' }))).to.equal(undefined);
  });
});

describe('serialising an order once', function () {
  it('gives the order its JSON text, the same object the same string', function () {
    const built = anOrder().withItems(2).build();
    const text = orderDocumentText(built);
    expect(text).to.equal(JSON.stringify(built));
    expect(orderDocumentText(built)).to.equal(text);
    expect(orderDocumentText(anOrder().withItems(3).build())).to.not.equal(text);
  });

  it('serialises an upsert to the very text serializeOrderEvent makes, with or without a request id', function () {
    for (const event of [anUpsert(), anUpsert({ request_id: null }), anUpsert({ order: anOrder().withItems(4).build() })]) {
      const text = serializeOrderUpsert(event);
      expect(text).to.equal(serializeOrderEvent(event));
      expect(decodeOrderEvent(text)).to.deep.equal(event);
    }
  });

  it('refuses an invalid upsert like serializeOrderEvent', function () {
    expect(() => serializeOrderUpsert(anUpsert({ version: 0 }))).to.throw(EventEncodeError);
  });

  describe('splitOrderUpsert', function () {
    it('splits what serializeOrderUpsert wrote into its envelope and the bytes of its document', function () {
      for (const event of [anUpsert(), anUpsert({ request_id: null }), anUpsert({ order: anOrder().withDelivery({ name: 'Jöhn 😀 Дое' }).build() })]) {
        const { order: written, ...envelope } = event;
        const split = splitOrderUpsert(Buffer.from(serializeOrderUpsert(event), 'utf8'));
        expect(split?.envelope).to.deep.equal(envelope);
        expect(split?.document.toString('utf8')).to.equal(orderDocumentText(written));
      }
    });

    it('leaves to decodeOrderEvent every value of another shape', function () {
      const text = serializeOrderUpsert(anUpsert());
      const { order: _order, ...envelope } = anUpsert();
      for (const value of [
        serializeOrderEvent(aDelete()),
        JSON.stringify({ order, ...envelope }),
        `${text} `,
        text.replace('"version":3', '"version":0'),
        text.replace('"schema_version":1', '"schema_version":2'),
        text.replace('"request_id":"req-1"', '"request_id":"req-1","extra":1'),
        text.replace(',"order":{', ',"order":['),
        '{"type":"order.upserted","order":{}}',
        'not json,"order":{}}',
      ]) {
        expect(splitOrderUpsert(Buffer.from(value, 'utf8')), value.slice(0, 80)).to.equal(undefined);
      }
    });
  });
});
