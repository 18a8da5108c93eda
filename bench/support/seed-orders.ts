import { Agent, request } from 'node:http';
import { deliveryColumns, itemRows, orderColumns, paymentColumns } from '../../apps/api/src/adapters/order-rows.js';
import { validateOrder } from '../../packages/contracts/src/index.js';
import type { Order } from '../../packages/domain/src/index.js';
import type { Database } from './bench-context.js';
import { benchOrder, seededRandom, seededUid } from './order-generator.js';
import { authorizationHeader } from './bench-auth.js';

/** GETs a path and drains the body; resolves with the status. */
export function getStatus(agent: Agent, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: authorizationHeader() }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at a time. */
export async function forEachConcurrently(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next;
      next += 1;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Seeded order `index` (1-based), the same on every run. */
export function seededOrder(uidPrefix: string, index: number): Order {
  return benchOrder(index, seededUid(uidPrefix, index));
}

/**
 * Inserts orders 1..count straight into PostgreSQL with the repository's own
 * row mapping (apps/api/src/adapters/order-rows.ts), 500 per transaction: the
 * rows are the ones POST /orders would write, without the outbox events the
 * read benchmarks do not need, in a second instead of a minute of POSTs.
 */
export async function seedOrders(db: Database, uidPrefix: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 500) {
    const orders = Array.from({ length: Math.min(500, count - start) }, (_, i) => seededOrder(uidPrefix, start + i + 1));
    for (const order of orders.slice(0, start === 0 ? 100 : 0)) {
      const verdict = validateOrder(order);
      if (!verdict.ok) throw new Error(`the generator made an invalid order: ${JSON.stringify(verdict.errors)}`);
    }
    await db.transaction(async (trx) => {
      await trx('orders').insert(orders.map((order) => ({ ...orderColumns(order), version: 1 })));
      await trx('deliveries').insert(orders.map(deliveryColumns));
      await trx('payments').insert(orders.map(paymentColumns));
      await trx('items').insert(orders.flatMap(itemRows));
    });
  }
}

/** Reads every seeded order once through `apiUrl`, so that its caches hold them (and fail on any non-200). */
export async function readAll(apiUrl: string, uidPrefix: string, count: number, concurrency = 16): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    await forEachConcurrently(count, concurrency, async (i) => {
      const status = await getStatus(agent, `${apiUrl}/orders/${seededUid(uidPrefix, i + 1)}`);
      if (status !== 200) throw new Error(`GET order ${i + 1} through ${apiUrl} answered ${status}`);
    });
  } finally {
    agent.destroy();
  }
}

/** `count` paths of seeded orders in a fixed shuffled order, for the load generator to cycle through. */
export function seededPaths(uidPrefix: string, seeded: number, count: number): string[] {
  const rng = seededRandom(42);
  return Array.from({ length: count }, () => `/orders/${seededUid(uidPrefix, 1 + Math.floor(rng() * seeded))}`);
}
