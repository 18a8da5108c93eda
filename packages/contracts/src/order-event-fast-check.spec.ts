import { anOrder } from '@order-service/domain/testing';
import type { Order } from '@order-service/domain';
import { expect } from 'chai';
import fc from 'fast-check';
import { describe, it } from 'mocha';
import { EventDecodeError } from './errors.js';
import { dateTimeSchema, isDateTime } from './field-schemas.js';
import { isPlainValidOrder, isPlainValidOrderDraft } from './order-document-fast-check.js';
import { MAX_ITEMS, orderDraftSchema, orderSchema } from './order-document.js';
import { decodeOrderEvent, isPlainValidOrderEvent, SCHEMA_VERSION, validateOrderEvent } from './order-events.js';
import type { OrderDeleted, OrderEvent, OrderUpserted } from './order-events.js';

type JsonObject = Record<string, unknown>;

function anUpsert(order: Order = anOrder().build(), patch: Partial<OrderUpserted> = {}): OrderUpserted {
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
    order_uid: anOrder().build().order_uid,
    version: 4,
    occurred_at: '2021-11-26T07:00:00Z',
    request_id: null,
    ...patch,
  };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON Pointers of every string, number, boolean and null in the document. */
function leaves(value: unknown, pointer = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((element, i) => leaves(element, `${pointer}/${i}`));
  if (isObject(value)) return Object.entries(value).flatMap(([key, child]) => leaves(child, `${pointer}/${key}`));
  return [pointer];
}

/** JSON Pointers of every object and array in the document, the root included. */
function containers(value: unknown, pointer = ''): string[] {
  if (Array.isArray(value)) return [pointer, ...value.flatMap((element, i) => containers(element, `${pointer}/${i}`))];
  if (isObject(value)) return [pointer, ...Object.entries(value).flatMap(([key, child]) => containers(child, `${pointer}/${key}`))];
  return [];
}

function valueAt(document: unknown, pointer: string): unknown {
  let target = document;
  for (const key of pointer.split('/').slice(1)) target = (target as JsonObject)[key];
  return target;
}

function parentAndKey(pointer: string): [parent: string, key: string] {
  const at = pointer.lastIndexOf('/');
  return [pointer.slice(0, at), pointer.slice(at + 1)];
}

/** Sets (or, for `undefined`, deletes) the value at `pointer` of `document`, in place; the root cannot be set. */
function setAt(document: unknown, pointer: string, value: unknown): void {
  const [parent, key] = parentAndKey(pointer);
  const target = valueAt(document, parent) as JsonObject;
  if (value === undefined) delete target[key];
  else target[key] = value;
}

function withValue(document: unknown, pointer: string, value: unknown): unknown {
  const copy = structuredClone(document);
  setAt(copy, pointer, value);
  return copy;
}

/** decodeOrderEvent as it was before the fast path: every message through joi. */
function decodeThroughJoi(message: string): OrderEvent {
  const parsed: unknown = JSON.parse(message);
  const schemaVersion = isObject(parsed) ? parsed['schema_version'] : undefined;
  if (typeof schemaVersion === 'number' && schemaVersion !== SCHEMA_VERSION) {
    throw new EventDecodeError('unsupported-schema-version', [{ path: '/schema_version', message: `is ${schemaVersion}; this build reads ${SCHEMA_VERSION}` }]);
  }
  const result = validateOrderEvent(parsed);
  if (!result.ok) throw new EventDecodeError('invalid', result.errors);
  return result.value;
}

type Outcome = { value: OrderEvent } | { reason: string; errors: readonly unknown[]; message: string };

function outcomeOf(decode: (message: string) => OrderEvent, message: string): Outcome {
  try {
    return { value: decode(message) };
  } catch (error) {
    if (!(error instanceof EventDecodeError)) throw error;
    return { reason: error.reason, errors: error.errors, message: error.message };
  }
}

/** The fast path may only say true where joi says yes and returns the very same value. */
function expectSound(value: unknown): boolean {
  const fast = isPlainValidOrderEvent(value);
  if (fast) {
    const result = validateOrderEvent(value);
    expect(result.ok, `joi refuses what the fast path accepted: ${JSON.stringify(result)}`).to.equal(true);
    expect(result.ok && result.value).to.deep.equal(value);
  }
  return fast;
}

function expectSameDecoding(message: string): void {
  expect(outcomeOf(decodeOrderEvent, message)).to.deep.equal(outcomeOf(decodeThroughJoi, message));
}

const TEXT_LIMITS = [16, 32, 35, 64, 128, 254, 256, 512];
const DATE_TIME_FIELDS = new Set(['occurred_at', 'date_created', 'payment_dt']);
const FORMATTED_FIELDS = new Set([...DATE_TIME_FIELDS, 'email', 'order_uid', 'event_id', 'type']);

describe('the decode fast path (isPlainValidOrderEvent)', () => {
  describe('says true for realistic events, so that decoding them skips joi', () => {
    const examples: [name: string, event: OrderEvent][] = [
      ['the example upsert', anUpsert()],
      ['the example delete', aDelete()],
      ['an upsert without a request_id', anUpsert(undefined, { request_id: null })],
      ['a delete with a request_id', aDelete({ request_id: 'req-2' })],
      ['an upsert with five items', anUpsert(anOrder().withItems(5).build())],
      ['an upsert without items', anUpsert(anOrder().with({ items: [] }).build())],
      [
        'an upsert with Unicode names',
        anUpsert(
          anOrder()
            .withDelivery({ name: 'Jöhn 😀 Дое', city: 'São Paulo', address: '東京都千代田区 1-1' })
            .withItem(0, { item_name: 'Чайник 🫖', brand: 'Ōsaka' })
            .build(),
        ),
      ],
      [
        'an upsert with zone offsets and fractions in its date-times',
        anUpsert(anOrder().with({ date_created: '2024-02-29T23:59:59.123456+05:30' }).withPayment({ payment_dt: '2021-11-26T06:22-08:00' }).build(), {
          occurred_at: '1999-12-31T23:59:59Z',
        }),
      ],
      [
        'an upsert with empty payment.request_id and a signature',
        anUpsert(anOrder().withPayment({ request_id: '' }).with({ internal_signature: 'sig' }).build()),
      ],
      ['an upsert with an email of the usual kind', anUpsert(anOrder().withDelivery({ email: 'first.last+tag_1%x@mail-1.example.co.uk' }).build())],
      [
        'an upsert with fractional, negative and large amounts',
        anUpsert(anOrder().withPayment({ amount: -0.5, custom_fee: 1e-7, goods_total: Number.MAX_SAFE_INTEGER }).build()),
      ],
      ['an upsert at the highest version', anUpsert(undefined, { version: Number.MAX_SAFE_INTEGER })],
      ['an upsert with MAX_ITEMS items', anUpsert(anOrder().withItems(MAX_ITEMS).build())],
    ];

    for (const [name, event] of examples) {
      it(name, () => {
        const message = JSON.stringify(event);
        expect(isPlainValidOrderEvent(JSON.parse(message))).to.equal(true);
        expect(expectSound(event)).to.equal(true);
        expect(decodeOrderEvent(message)).to.deep.equal(event);
      });
    }
  });

  describe('agrees with joi field by field', () => {
    const upsert = anUpsert(anOrder().withItems(2).build());
    const stringLeaves = leaves(upsert).filter((pointer) => typeof valueAt(upsert, pointer) === 'string');
    const numberLeaves = leaves(upsert).filter((pointer) => typeof valueAt(upsert, pointer) === 'number');

    it('on every string field at, below and above every length limit', () => {
      const lengths = [0, 1, ...TEXT_LIMITS.flatMap((limit) => [limit, limit + 1])];
      for (const pointer of stringLeaves) {
        for (const length of lengths) {
          const event = withValue(upsert, pointer, 'x'.repeat(length));
          expect(expectSound(event), `${pointer} of length ${length}`).to.equal(validateOrderEvent(event).ok);
        }
      }
    });

    it('on every string field holding NUL, lone surrogates, paired surrogates or other Unicode', () => {
      const specials = ['\u0000', 'a\u0000b', '\uD800', 'a\uDBFFb', '\uDC00', 'b\uDFFF', '\uDE00\uD83D', '😀', 'é', 'Д', ' '];
      for (const pointer of stringLeaves) {
        const original = valueAt(upsert, pointer) as string;
        for (const special of specials) {
          for (const value of [special, `${original}${special}`, `${special}${original}`]) {
            const event = withValue(upsert, pointer, value);
            const expected = validateOrderEvent(event).ok && !FORMATTED_FIELDS.has(parentAndKey(pointer)[1]);
            expect(expectSound(event), `${pointer} = ${JSON.stringify(value)}`).to.equal(expected);
          }
        }
      }
    });

    it('on every number field, for fractional, signed, unsafe and non-finite numbers and other types', () => {
      const values = [
        0,
        -0,
        1,
        -1,
        1.5,
        -2.5,
        1e-300,
        Number.MAX_SAFE_INTEGER,
        -Number.MAX_SAFE_INTEGER,
        Number.MAX_SAFE_INTEGER + 1,
        -Number.MAX_SAFE_INTEGER - 1,
        2 ** 60,
        Number.MAX_VALUE,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        '1',
        true,
        null,
        {},
        [],
      ];
      for (const pointer of numberLeaves) {
        for (const value of values) {
          const event = withValue(upsert, pointer, value);
          // joi takes -0 and returns 0; the fast path leaves that to joi so that decoding returns what joi returns.
          const expected = validateOrderEvent(event).ok && !Object.is(value, -0);
          expect(expectSound(event), `${pointer} = ${String(value)}`).to.equal(expected);
        }
      }
    });

    it('on date-times across calendar, clock and zone boundaries, refusing only 24:00 beyond joi', () => {
      const days = [
        '0999-01-01',
        '1000-01-01',
        '2021-00-10',
        '2021-13-10',
        '2021-02-29',
        '2024-02-29',
        '1900-02-29',
        '2000-02-29',
        '2021-04-31',
        '2021-12-32',
        '9999-12-31',
      ];
      const times = [
        '00:00',
        '23:59',
        '24:00',
        '23:60',
        '24:00:00',
        '00:00:00',
        '23:59:59',
        '23:59:60',
        '12:00:00.1',
        '12:00:00.1234567890',
        '12:00.5',
        '1200',
      ];
      const zones = ['Z', 'z', '', '+00:00', '-00:00', '+23:59', '-24:00', '+05:60', '+0530', '+05'];
      for (const day of days) {
        for (const time of times) {
          for (const zone of zones) {
            for (const value of [`${day}T${time}${zone}`, `${day} ${time}${zone}`]) {
              const joiSays = dateTimeSchema.validate(value, { convert: false }).error === undefined;
              expect(isDateTime(value), value).to.equal(joiSays && !value.includes('T24:'));
            }
          }
        }
      }
    });
  });

  describe('is sound: it says true only where joi says yes, and decoding gives what it gave before', () => {
    const char = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('a', 'Z', '0', '9', '-', '_', '.', '+', '%', '@', ' ') },
      { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
      { weight: 1, arbitrary: fc.constantFrom('\u0000', '\uD800', '\uDFFF', '😀', 'é', 'Д', '"', '\\', '!', '/') },
    );
    const shortText = fc.string({ unit: char, maxLength: 24 });
    const plainShortText = fc.string({
      unit: fc.oneof(fc.constantFrom('a', 'Z', '0', '-', ' ', '.'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })),
      minLength: 1,
      maxLength: 16,
    });
    const textNearLimit = fc
      .record({
        limit: fc.constantFrom(...TEXT_LIMITS),
        delta: fc.constantFrom(-1, 0, 1),
        special: fc.option(fc.constantFrom('\u0000', '\uD800', '\uDC00', '😀', 'é')),
        at: fc.nat(),
      })
      .map(({ limit, delta, special, at }) => {
        const text = 'x'.repeat(limit + delta);
        if (special === null) return text;
        const i = at % text.length;
        return `${text.slice(0, i)}${special}${text.slice(i + special.length)}`;
      });
    const two = (n: number): string => String(n).padStart(2, '0');
    const dateTimeText = fc
      .record({
        year: fc.constantFrom('0999', '1000', '1900', '2000', '2021', '2024', '9999'),
        month: fc.integer({ min: 0, max: 13 }),
        day: fc.integer({ min: 0, max: 32 }),
        separator: fc.constantFrom('T', 'T', 'T', ' ', 't'),
        hour: fc.integer({ min: 0, max: 25 }),
        minute: fc.integer({ min: 0, max: 60 }),
        second: fc.option(fc.integer({ min: 0, max: 61 })),
        fraction: fc.option(fc.stringMatching(/^[0-9]{1,12}$/)),
        zone: fc.oneof(
          fc.constantFrom('Z', 'z', ''),
          fc
            .tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 60 }), fc.constantFrom(':', ''))
            .map(([sign, h, m, colon]) => `${sign}${two(h)}${colon}${two(m)}`),
        ),
      })
      .map(({ year, month, day, separator, hour, minute, second, fraction, zone }) => {
        const seconds = second === null ? '' : `:${two(second)}${fraction === null ? '' : `.${fraction}`}`;
        return `${year}-${two(month)}-${two(day)}${separator}${two(hour)}:${two(minute)}${seconds}${zone}`;
      });
    const label = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', 'Z', '0', '-', 'x', 'n'), maxLength: 8 }),
      fc.constantFrom(62, 63, 64).map((n) => 'd'.repeat(n)),
      fc.constantFrom('com', 'c0m', '1com', 'co-', '-co', 'xn--p1ai', 'xn--zz', 'localhost', 'é'),
    );
    const email = fc.oneof(
      fc
        .record({
          local: fc.oneof(
            fc.string({ unit: fc.constantFrom('a', '0', '.', '_', '%', '+', '-', '!', '~', 'é', '"', ' '), maxLength: 10 }),
            fc.constantFrom(63, 64, 65).map((n) => 'l'.repeat(n)),
          ),
          labels: fc.array(label, { maxLength: 4 }),
        })
        .map(({ local, labels }) => `${local}@${labels.join('.')}`),
      // Around the 254 characters @hapi/address allows in all: a 64-character local part and 63-character labels.
      fc.constantFrom(253, 254, 255).map((total) => {
        const labels: string[] = [];
        let remaining = total - 65;
        for (; remaining > 64; remaining -= 64) labels.push('b'.repeat(63));
        return `${'a'.repeat(64)}@${[...labels, 'c'.repeat(remaining)].join('.')}`;
      }),
    );
    const idText = fc
      .record({ length: fc.constantFrom(0, 1, 36, 63, 64, 65, 127, 128, 129), bad: fc.option(fc.constantFrom('.', ' ', 'é', '/', '\u0000')), at: fc.nat() })
      .map(({ length, bad, at }) => {
        const id = 'a0_-Z'.repeat(26).slice(0, length);
        if (bad === null || id.length === 0) return id;
        const i = at % id.length;
        return `${id.slice(0, i)}${bad}${id.slice(i + 1)}`;
      });
    const nastyNumber = fc.oneof(
      fc.constantFrom(
        0,
        -0,
        1,
        -1,
        1.5,
        2,
        Number.MAX_SAFE_INTEGER,
        -Number.MAX_SAFE_INTEGER,
        Number.MAX_SAFE_INTEGER + 1,
        -Number.MAX_SAFE_INTEGER - 1,
        2 ** 60,
        Number.NaN,
        Number.POSITIVE_INFINITY,
      ),
      fc.integer(),
      fc.double(),
    );
    const wrongType = fc.constantFrom<unknown>(null, true, {}, [], '1', '', 1, 'order.upserted', 'order.deleted', undefined);
    const anyValue = fc.oneof(nastyNumber, shortText, textNearLimit, dateTimeText, email, idText, wrongType);
    const plainNumber = fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }));

    type Mutation = { kind: 'plain' | 'any' | 'delete' | 'add' | 'replace-container'; pick: number; value: unknown; key: string };
    const mutation: fc.Arbitrary<Mutation> = fc.record({
      kind: fc.constantFrom<Mutation['kind']>('plain', 'plain', 'plain', 'plain', 'any', 'any', 'any', 'delete', 'add', 'replace-container'),
      pick: fc.nat(),
      value: fc.oneof(anyValue, plainShortText, plainNumber),
      key: fc.constantFrom('extra', 'order', 'type', '', '__proto__', 'constructor', 'toString', 'items'),
    });

    const INTEGER_FIELDS = new Set(['status', 'sm_id', 'oof_shard', 'version']);

    /** `value` shaped to keep `field` valid, mostly; undefined where it cannot serve. */
    function plainReplacement(field: string, current: unknown, value: unknown): unknown {
      if (typeof current === 'number' && typeof value === 'number') return INTEGER_FIELDS.has(field) ? Math.trunc(Math.abs(value)) + 1 : value;
      if (typeof current === 'string' && typeof value === 'string' && !FORMATTED_FIELDS.has(field) && !/[\0\uD800-\uDFFF]/.test(value)) return value;
      return undefined;
    }

    /**
     * Applies a mutation in place, with a copy of its value: fast-check hands out the same `{}` and `[]`
     * of `wrongType` to every run, and an `add` into a shared one once made it contain itself.
     */
    function mutate(event: unknown, { kind, pick, value: shared, key }: Mutation): void {
      const value: unknown = structuredClone(shared);
      if (kind === 'plain' || kind === 'any' || kind === 'delete') {
        const all = leaves(event);
        const pointer = all[pick % all.length];
        if (pointer === undefined || pointer === '') return;
        if (kind === 'delete') return setAt(event, pointer, undefined);
        if (kind === 'any') return setAt(event, pointer, value);
        const replacement = plainReplacement(parentAndKey(pointer)[1], valueAt(event, pointer), value);
        if (replacement !== undefined) setAt(event, pointer, replacement);
        return;
      }
      const objects = containers(event);
      const pointer = objects[pick % objects.length] ?? '';
      const target = valueAt(event, pointer);
      if (kind === 'add' && isObject(target)) Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
      if (kind === 'replace-container' && pointer !== '') setAt(event, pointer, value);
    }

    const baseEvent = fc.oneof(
      fc.record({ items: fc.integer({ min: 0, max: 5 }), requestId: fc.option(plainShortText), unicode: fc.boolean() }).map(({ items, requestId, unicode }) => {
        const builder = anOrder().withItems(items);
        return anUpsert((unicode ? builder.withDelivery({ name: 'Jöhn 😀 Дое' }) : builder).build(), { request_id: requestId });
      }),
      fc.option(plainShortText).map((requestId) => aDelete({ request_id: requestId })),
    );
    const event = fc.tuple(baseEvent, fc.array(mutation, { maxLength: 3 })).map(([base, mutations]) => {
      const copy: unknown = structuredClone(base);
      for (const each of mutations) mutate(copy, each);
      return copy;
    });

    it('for events built from the example order and mutated within and beyond the limits', function () {
      this.timeout(60_000);
      let accepted = 0;
      let runs = 0;
      fc.assert(
        fc.property(event, (value) => {
          runs += 1;
          if (expectSound(value)) accepted += 1;
          expectSameDecoding(JSON.stringify(value));
        }),
        { numRuns: 1500 },
      );
      // A fast path that says false to everything is sound too, and useless: make sure both answers were exercised.
      expect(accepted, `${accepted} of ${runs} accepted`).to.be.within(runs * 0.2, runs * 0.8);
    });

    it('for drafts: the orders of those events with any of the server fields left out', function () {
      this.timeout(60_000);
      let accepted = 0;
      let runs = 0;
      fc.assert(
        fc.property(event, fc.subarray(['order_uid', 'date_created', 'internal_signature']), (value, leftOut) => {
          const order = isObject(value) ? value['order'] : undefined;
          if (!isObject(order)) return;
          runs += 1;
          const draft: JsonObject = { ...order };
          for (const key of leftOut) delete draft[key];
          if (isPlainValidOrderDraft(draft)) {
            accepted += 1;
            const { error, value: validated } = orderDraftSchema.validate(draft);
            expect(error, JSON.stringify(draft)).to.equal(undefined);
            expect(validated).to.deep.equal(draft);
          }
        }),
        { numRuns: 1500 },
      );
      expect(accepted, `${accepted} of ${runs} accepted`).to.be.within(runs * 0.2, runs * 0.8);
    });

    it('for email addresses around the @hapi/address rules and lengths', function () {
      this.timeout(60_000);
      const order = anOrder().build();
      let accepted = 0;
      fc.assert(
        fc.property(email, (address) => {
          const candidate = { ...order, delivery: { ...order.delivery, email: address } };
          if (isPlainValidOrder(candidate)) {
            accepted += 1;
            expect(orderSchema.validate(candidate).error, address).to.equal(undefined);
          }
        }),
        { numRuns: 3000 },
      );
      expect(accepted).to.be.greaterThan(100);
    });

    it('for JSON the fast path leaves to joi: -0, a __proto__ key, too many items, a stranger prototype', () => {
      const message = JSON.stringify(anUpsert());
      const negativeZero = message.replace('"sale":0', '"sale":-0');
      const protoKey = message.replace('"version":3', '"version":3,"__proto__":{"version":4}');
      expect(negativeZero).to.not.equal(message);
      expect(protoKey).to.not.equal(message);
      const tooMany = JSON.stringify(
        anUpsert(
          anOrder()
            .withItems(MAX_ITEMS + 1)
            .build(),
        ),
      );
      for (const text of [negativeZero, protoKey, tooMany]) {
        expect(isPlainValidOrderEvent(JSON.parse(text)), text.slice(0, 80)).to.equal(false);
        expectSameDecoding(text);
      }
      class Envelope {}
      expect(isPlainValidOrderEvent(Object.assign(new Envelope(), anUpsert()))).to.equal(false);
      expect(isPlainValidOrderEvent(Object.assign(Object.create(null) as object, aDelete()))).to.equal(true);
    });
  });
});
