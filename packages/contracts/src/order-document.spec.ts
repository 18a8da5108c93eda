import { anOrder } from '@order-service/domain/testing';
import { expect } from 'chai';
import { describe, it } from 'mocha';
import { MAX_ITEMS, validateOrder, validateOrderDraft } from './order-document.js';
import type { FieldError, ValidationResult } from './field-errors.js';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every property of every object in the document, depth first, with its JSON Pointer. */
function properties(value: unknown, pointer = ''): { pointer: string; value: unknown }[] {
  if (Array.isArray(value)) return value.flatMap((element, i) => properties(element, `${pointer}/${i}`));
  if (!isObject(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => [{ pointer: `${pointer}/${key}`, value: child }, ...properties(child, `${pointer}/${key}`)]);
}

/** The JSON Pointer of every object in the document, the root included. */
function objectPointers(value: unknown, pointer = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((element, i) => objectPointers(element, `${pointer}/${i}`));
  if (!isObject(value)) return [];
  return [pointer, ...Object.entries(value).flatMap(([key, child]) => objectPointers(child, `${pointer}/${key}`))];
}

/** A deep copy of `document` in which `change` edited the object at `pointer`. */
function edited(document: unknown, pointer: string, change: (target: JsonObject) => void): unknown {
  const copy = structuredClone(document);
  let target: unknown = copy;
  for (const key of pointer.split('/').slice(1)) target = (target as JsonObject)[key];
  if (!isObject(target)) throw new Error(`no object at ${pointer}`);
  change(target);
  return copy;
}

function parentAndKey(pointer: string): [parent: string, key: string] {
  const at = pointer.lastIndexOf('/');
  return [pointer.slice(0, at), pointer.slice(at + 1)];
}

function without(document: unknown, pointer: string): unknown {
  const [parent, key] = parentAndKey(pointer);
  return edited(document, parent, (target) => delete target[key]);
}

function withValue(document: unknown, pointer: string, value: unknown): unknown {
  const [parent, key] = parentAndKey(pointer);
  return edited(document, parent, (target) => (target[key] = value));
}

function errorsOf<T>(result: ValidationResult<T>): FieldError[] {
  expect(result.ok, 'the document should have been rejected').to.equal(false);
  return result.ok ? [] : result.errors;
}

const SERVER_FIELDS = ['/order_uid', '/date_created', '/internal_signature'];
const FORMATTED_STRINGS = ['/order_uid', '/date_created', '/payment/payment_dt'];
const UNSTORABLE = 'must not contain NUL characters or unpaired UTF-16 surrogates';

describe('order document', () => {
  const order = anOrder().build();
  const draft = anOrder().withoutServerFields().buildDraft();
  const allProperties = properties(order);
  const stringProperties = allProperties.filter((p) => typeof p.value === 'string');
  const numberProperties = allProperties.filter((p) => typeof p.value === 'number');

  it('walks every field of the example order', () => {
    expect(allProperties).to.have.length(14 + 7 + 10 + 11);
  });

  it('accepts the example order unchanged', () => {
    expect(validateOrder(order)).to.deep.equal({ ok: true, value: order });
    expect(validateOrderDraft(order)).to.deep.equal({ ok: true, value: order });
    expect(validateOrderDraft(draft)).to.deep.equal({ ok: true, value: draft });
  });

  describe('required fields', () => {
    for (const { pointer } of allProperties) {
      it(`a stored order without ${pointer} is rejected at ${pointer}`, () => {
        expect(errorsOf(validateOrder(without(order, pointer)))).to.deep.include({ path: pointer, message: 'is required' });
      });

      if (SERVER_FIELDS.includes(pointer)) {
        it(`a draft may omit ${pointer}`, () => {
          expect(validateOrderDraft(without(order, pointer)).ok).to.equal(true);
        });
      } else {
        it(`a draft without ${pointer} is rejected at ${pointer}`, () => {
          expect(errorsOf(validateOrderDraft(without(order, pointer)))).to.deep.include({ path: pointer, message: 'is required' });
        });
      }
    }

    it('reports every missing server field of a stored order at once', () => {
      expect(errorsOf(validateOrder(draft))).to.have.deep.members(SERVER_FIELDS.map((path) => ({ path, message: 'is required' })));
    });
  });

  describe('unknown fields', () => {
    for (const pointer of objectPointers(order)) {
      it(`names an unknown field in ${pointer || 'the root'}`, () => {
        const document = edited(order, pointer, (target) => (target['surprise'] = 1));
        expect(errorsOf(validateOrder(document))).to.deep.equal([{ path: `${pointer}/surprise`, message: 'is not allowed' }]);
        expect(errorsOf(validateOrderDraft(document))).to.deep.equal([{ path: `${pointer}/surprise`, message: 'is not allowed' }]);
      });
    }

    it('escapes / and ~ in the pointer of an unknown field', () => {
      const document = edited(order, '/delivery', (target) => (target['a/b~c'] = 1));
      expect(errorsOf(validateOrder(document))).to.deep.equal([{ path: '/delivery/a~1b~0c', message: 'is not allowed' }]);
    });
  });

  describe('strings PostgreSQL cannot store', () => {
    for (const { pointer } of stringProperties) {
      it(`rejects NUL in ${pointer}`, () => {
        const errors = errorsOf(validateOrder(withValue(order, pointer, 'a\u0000b')));
        expect(errors.map((e) => e.path)).to.include(pointer);
        if (!FORMATTED_STRINGS.includes(pointer)) expect(errors).to.deep.include({ path: pointer, message: UNSTORABLE });
      });
    }

    for (const [name, value] of [
      ['a lone high surrogate', 'John \uD800 Doe'],
      ['a lone low surrogate', 'John \uDC00 Doe'],
      ['a reversed pair', 'John \uDE00\uD83D'],
    ]) {
      it(`rejects ${name}`, () => {
        expect(errorsOf(validateOrder(withValue(order, '/delivery/name', value)))).to.deep.equal([{ path: '/delivery/name', message: UNSTORABLE }]);
      });
    }

    it('accepts characters outside the BMP, which are well-formed surrogate pairs', () => {
      expect(validateOrder(withValue(order, '/delivery/name', 'John 😀 Doe')).ok).to.equal(true);
    });
  });

  describe('types', () => {
    for (const { pointer, value } of numberProperties) {
      it(`does not convert a numeric string in ${pointer}`, () => {
        expect(errorsOf(validateOrder(withValue(order, pointer, String(value))))).to.deep.equal([{ path: pointer, message: 'must be a number' }]);
      });

      it(`rejects Infinity and NaN in ${pointer}`, () => {
        expect(errorsOf(validateOrder(withValue(order, pointer, Number.POSITIVE_INFINITY)))).to.deep.equal([{ path: pointer, message: 'cannot be infinity' }]);
        expect(errorsOf(validateOrder(withValue(order, pointer, Number.NaN)))).to.deep.equal([{ path: pointer, message: 'must be a number' }]);
      });
    }

    for (const { pointer } of stringProperties) {
      it(`does not convert a number in ${pointer}`, () => {
        expect(errorsOf(validateOrder(withValue(order, pointer, 42)))).to.deep.equal([{ path: pointer, message: 'must be a string' }]);
      });
    }

    for (const pointer of ['/sm_id', '/oof_shard', '/items/0/status']) {
      it(`requires an integer in ${pointer}`, () => {
        expect(errorsOf(validateOrder(withValue(order, pointer, 1.5)))).to.deep.equal([{ path: pointer, message: 'must be an integer' }]);
      });
    }

    it('rejects a nested object of the wrong type', () => {
      expect(errorsOf(validateOrder(withValue(order, '/delivery', 'John Doe')))).to.deep.equal([{ path: '/delivery', message: 'must be of type object' }]);
      expect(errorsOf(validateOrder(withValue(order, '/items', { 0: order.items[0] })))).to.deep.equal([{ path: '/items', message: 'must be an array' }]);
      expect(errorsOf(validateOrder(withValue(order, '/items', ['item'])))).to.deep.equal([{ path: '/items/0', message: 'must be of type object' }]);
    });

    for (const input of [null, undefined, [], 'order', 42, true]) {
      it(`rejects ${JSON.stringify(input) ?? 'undefined'} as a document at the root`, () => {
        expect(errorsOf(validateOrderDraft(input)).map((e) => e.path)).to.deep.equal(['']);
      });
    }
  });

  describe('formats and limits', () => {
    it(`accepts ${MAX_ITEMS} items and rejects one more`, () => {
      expect(validateOrder(anOrder().withItems(MAX_ITEMS).build()).ok).to.equal(true);
      expect(
        errorsOf(
          validateOrder(
            anOrder()
              .withItems(MAX_ITEMS + 1)
              .build(),
          ),
        ),
      ).to.deep.equal([{ path: '/items', message: `must contain less than or equal to ${MAX_ITEMS} items` }]);
    });

    for (const pointer of ['/date_created', '/payment/payment_dt']) {
      for (const value of ['2021-11-26T06:22:19.123+03:00', '2021-11-26T06:22Z', '2021-11-26T06:22:19-05:00']) {
        it(`accepts ${value} in ${pointer}`, () => {
          expect(validateOrder(withValue(order, pointer, value)).ok).to.equal(true);
        });
      }

      for (const value of [
        '2021-11-26',
        '2021-11-26T06:22:19',
        '26.11.2021 06:22',
        '2021-13-26T06:22:19Z',
        '',
        '2021-02-30T00:00:00Z',
        '0000-01-01T00:00:00Z',
        '0999-12-31T00:00:00Z',
      ]) {
        it(`rejects ${JSON.stringify(value)} in ${pointer}`, () => {
          const errors = errorsOf(validateOrder(withValue(order, pointer, value)));
          expect(errors.map((e) => e.path)).to.deep.equal([pointer]);
        });
      }
    }

    it('says a date that does not exist is not a real date', () => {
      expect(errorsOf(validateOrder(withValue(order, '/date_created', '2021-02-29T00:00:00Z')))).to.deep.equal([
        { path: '/date_created', message: 'must be a real date between the years 1000 and 9999' },
      ]);
      expect(validateOrder(withValue(order, '/date_created', '2024-02-29T00:00:00Z')).ok).to.equal(true);
    });

    it('explains what a date-time must look like', () => {
      expect(errorsOf(validateOrder(withValue(order, '/date_created', '2021-11-26')))).to.deep.equal([
        { path: '/date_created', message: 'must be an ISO 8601 date-time with a time zone, e.g. 2021-11-26T06:22:19Z' },
      ]);
    });

    for (const uid of ['b563feb7b2b84b6test', 'A', 'a'.repeat(64), 'order_1-2']) {
      it(`accepts the order_uid ${uid.length > 20 ? `of ${uid.length} characters` : uid}`, () => {
        expect(validateOrder(withValue(order, '/order_uid', uid)).ok).to.equal(true);
      });
    }

    for (const uid of ['', 'a'.repeat(65), 'has space', 'slash/ed', 'ünïcode']) {
      it(`rejects the order_uid ${JSON.stringify(uid.length > 20 ? `${uid.length} characters` : uid)}`, () => {
        expect(errorsOf(validateOrderDraft(withValue(draft, '/order_uid', uid))).map((e) => e.path)).to.deep.equal(['/order_uid']);
      });
    }

    it('checks the email format without insisting on known top-level domains', () => {
      expect(validateOrder(withValue(order, '/delivery/email', 'john@mail.internal-shop')).ok).to.equal(true);
      expect(errorsOf(validateOrder(withValue(order, '/delivery/email', 'john.doe')))).to.deep.equal([
        { path: '/delivery/email', message: 'must be a valid email' },
      ]);
      expect(errorsOf(validateOrder(withValue(order, '/delivery/email', `${'j'.repeat(64)}@${'e'.repeat(186)}.com`))).map((e) => e.path)).to.include(
        '/delivery/email',
      );
    });

    for (const [pointer, limit] of [
      ['/delivery/name', 256],
      ['/delivery/address', 512],
      ['/items/0/item_name', 512],
      ['/customer_id', 128],
    ] as const) {
      it(`limits ${pointer} to ${limit} characters`, () => {
        expect(validateOrder(withValue(order, pointer, 'x'.repeat(limit))).ok).to.equal(true);
        expect(errorsOf(validateOrder(withValue(order, pointer, 'x'.repeat(limit + 1))))).to.deep.equal([
          { path: pointer, message: `length must be less than or equal to ${limit} characters long` },
        ]);
      });
    }

    for (const { pointer } of stringProperties) {
      if (pointer === '/internal_signature' || pointer === '/payment/request_id') {
        it(`allows ${pointer} to be empty`, () => {
          expect(validateOrder(withValue(order, pointer, '')).ok).to.equal(true);
        });
      } else {
        it(`rejects an empty ${pointer}`, () => {
          expect(errorsOf(validateOrder(withValue(order, pointer, ''))).map((e) => e.path)).to.deep.equal([pointer]);
        });
      }
    }

    it('says an empty string is not allowed', () => {
      expect(errorsOf(validateOrder(withValue(order, '/delivery/city', '')))).to.deep.equal([
        { path: '/delivery/city', message: 'is not allowed to be empty' },
      ]);
    });
  });

  describe('one verdict', () => {
    it('reports every schema problem at once', () => {
      const document = withValue(withValue(without(order, '/payment/bank'), '/items/0/price', '200'), '/delivery/zip', 94105);
      expect(errorsOf(validateOrder(document))).to.have.deep.members([
        { path: '/payment/bank', message: 'is required' },
        { path: '/items/0/price', message: 'must be a number' },
        { path: '/delivery/zip', message: 'must be a string' },
      ]);
    });

    it('applies the domain rules once the schema passes', () => {
      const broken = anOrder().withItem(0, { price: -1, track_number: 'OTHER' }).withPayment({ amount: 1 }).build();
      expect(errorsOf(validateOrder(broken)).map((e) => e.path)).to.deep.equal(['/items/0/track_number', '/payment/amount', '/items/0/price']);
      expect(errorsOf(validateOrderDraft(anOrder().withItems(0).withoutServerFields().buildDraft()))).to.deep.equal([
        { path: '/items', message: 'must contain at least one item' },
      ]);
    });

    it('reports schema problems alone, since the rules need a well-typed order', () => {
      const document = withValue(anOrder().withPayment({ amount: 1 }).build(), '/sm_id', 'x');
      expect(errorsOf(validateOrder(document))).to.deep.equal([{ path: '/sm_id', message: 'must be a number' }]);
    });
  });
});
