import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { createLogger } from './logger.js';

const person = {
  name: 'Test Testov',
  phone: '+9720000000',
  email: 'test@gmail.com',
  address: 'Ploshad Mira 15',
  city: 'Kiryat Mozkin',
  zip: '2639809',
  region: 'Kraiot',
};

function capture(level = 'debug'): { logger: ReturnType<typeof createLogger>; lines: () => string[] } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return { logger: createLogger({ level, service: 'spec', destination: stream }), lines: () => chunks.join('').split('\n').filter(Boolean) };
}

describe('the logger factory redacts personal data', () => {
  it('from every line at every level: a whole order, a delivery, a transaction, free text and errors', async () => {
    const { logger, lines } = capture();
    const order = { order_uid: 'b563feb7b2b84b6test', delivery: person, payment: { transaction: 'b563feb7b2b84b6test-tx', amount: 1817 } };
    logger.debug('order stored', { order });
    logger.info('delivery', { delivery: person });
    logger.warn('record sent to the dead-letter topic', {
      reason: 'invalid',
      error: `"delivery.phone" with value "${person.phone}" fails to match the required pattern; contact ${person.email}`,
    });
    logger.error(`could not reach ${person.email}`, { err: new Error(`bad address ${person.email} ${person.phone}`) });
    logger.child({ component: 'x' }).info('nested', { batch: [{ payment: { transaction: 'tx-secret-1' } }] });
    await new Promise((resolve) => setImmediate(resolve));
    const written = lines();
    expect(written).to.have.length(5);
    for (const line of written) {
      for (const value of [...Object.values(person), 'b563feb7b2b84b6test-tx', 'tx-secret-1']) expect(line, value).to.not.include(value);
    }
    const first = JSON.parse(written[0]!) as { order: { order_uid: string; delivery: string; payment: { transaction: string; amount: number } } };
    expect(first.order).to.deep.equal({ order_uid: 'b563feb7b2b84b6test', delivery: '[redacted]', payment: { transaction: '[redacted]', amount: 1817 } });
    expect(JSON.parse(written[2]!).error).to.include('with value [redacted] fails to match');
  });

  it('leaves the rest of a line as it was', async () => {
    const { logger, lines } = capture('info');
    logger.info('api listening', { host: '127.0.0.1', port: 8080, request_id: 'r-1', order_uid: 'o-1', name: 'order-api' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(JSON.parse(lines()[0]!)).to.include({ msg: 'api listening', host: '127.0.0.1', port: 8080, request_id: 'r-1', order_uid: 'o-1', name: 'order-api' });
  });
});
