import { v7 as uuidv7 } from 'uuid';
import { assertOrderRules, type OrderDraft, type VersionedOrder } from '@order-service/domain';
import { canonicalOrder } from './canonical-order.js';
import { IdempotencyKeyInFlight, IdempotencyKeyReused } from './errors.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { ensureMayWriteFor, scopedIdempotencyKey } from './order-access.js';
import type { OrderRepository, RecordedResponse, WriteContext } from './order-repository.js';
import type { Principal } from './principal.js';

export interface CreateOrderCommand {
  principal: Principal;
  draft: OrderDraft;
  context: WriteContext;
  /** With an Idempotency-Key: the key, a fingerprint of the request, and how to render the answer to record. */
  idempotency?: { key: string; fingerprint: string; render: (stored: VersionedOrder) => RecordedResponse };
}

export type CreateOrderResult = { kind: 'created'; stored: VersionedOrder } | { kind: 'replayed'; response: RecordedResponse };

/** How long a claimed key blocks retries before the claim counts as abandoned (a crashed replica). */
const IDEMPOTENCY_LEASE_MS = 60_000;

/**
 * Creates an order: the server assigns `order_uid` (UUIDv7), `date_created` and
 * `internal_signature` when absent. A customer creates only its own orders; an
 * Idempotency-Key is the subject's own, so two clients' keys never meet.
 */
export class CreateOrder {
  constructor(
    private readonly orders: OrderRepository,
    private readonly idempotencyKeys: IdempotencyStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async execute({ principal, draft, context, idempotency }: CreateOrderCommand): Promise<CreateOrderResult> {
    ensureMayWriteFor(principal, draft.customer_id);
    const order = canonicalOrder({
      ...draft,
      order_uid: draft.order_uid ?? uuidv7(),
      date_created: draft.date_created ?? this.now().toISOString(),
      internal_signature: draft.internal_signature ?? '',
    });
    assertOrderRules(order);
    if (!idempotency) return { kind: 'created', stored: await this.orders.create(order, context) };

    const key = scopedIdempotencyKey(principal, idempotency.key);
    const claim = await this.idempotencyKeys.claim(key, idempotency.fingerprint, IDEMPOTENCY_LEASE_MS);
    switch (claim.state) {
      case 'replay':
        return { kind: 'replayed', response: claim.response };
      case 'mismatch':
        throw new IdempotencyKeyReused(idempotency.key);
      case 'in-flight':
        throw new IdempotencyKeyInFlight(idempotency.key);
      case 'claimed':
        break;
    }
    try {
      const stored = await this.orders.create(order, context, { key, render: idempotency.render });
      return { kind: 'created', stored };
    } catch (error) {
      await this.idempotencyKeys.release(key).catch(() => undefined);
      throw error;
    }
  }
}
