import { OrderNotFound, OrderVersionConflict } from '@order-service/domain';
import { CustomerMismatch, InsufficientScope } from './errors.js';
import type { ExpectedVersion } from './order-repository.js';
import { scopes, type Principal } from './principal.js';

/**
 * What a principal may reach. A token with an `:all` scope reaches every
 * order; a customer token only its own customer's, and another customer's order
 * is reported absent, exactly like a missing one, so a customer cannot learn
 * which uids exist. A token with neither reaches no order.
 */
export function mayRead(principal: Principal, ownerCustomerId: string): boolean {
  return principal.scopes.has(scopes.readAll) || principal.customerId === ownerCustomerId;
}

export function mayWrite(principal: Principal, ownerCustomerId: string): boolean {
  return principal.scopes.has(scopes.writeAll) || principal.customerId === ownerCustomerId;
}

/**
 * Checks that a write names a customer the principal may write for. A customer
 * writes only its own orders (a body for another customer is a field error);
 * a token that is neither a customer's nor holds orders:write:all writes nothing.
 */
export function ensureMayWriteFor(principal: Principal, customerId: string): void {
  if (principal.scopes.has(scopes.writeAll)) return;
  if (principal.customerId === null) throw new InsufficientScope(scopes.writeAll);
  if (principal.customerId !== customerId) throw new CustomerMismatch(principal.customerId);
}

/** Raises OrderNotFound when an existing order belongs to a customer the principal may not write for. */
export function ensureMayWriteExisting(principal: Principal, orderUid: string, existingCustomerId: string | undefined): void {
  if (existingCustomerId !== undefined && !mayWrite(principal, existingCustomerId)) throw new OrderNotFound(orderUid);
}

/**
 * The customer a search is confined to: undefined for a principal that may
 * search everything, its own customer for a customer (`'nothing'` when the
 * search asks for another one), and a refusal for a token that is neither.
 */
export function searchConfinement(principal: Principal, requestedCustomerId: string | undefined): { customerId?: string } | 'nothing' {
  if (principal.scopes.has(scopes.readAll)) return requestedCustomerId === undefined ? {} : { customerId: requestedCustomerId };
  if (principal.customerId === null) throw new InsufficientScope(scopes.readAll);
  if (requestedCustomerId !== undefined && requestedCustomerId !== principal.customerId) return 'nothing';
  return { customerId: principal.customerId };
}

/** An Idempotency-Key as stored: scoped to the subject, so one client's key never replays another's answer. */
export function scopedIdempotencyKey(principal: Principal, key: string): string {
  return JSON.stringify([principal.subject, key]);
}

/**
 * The expectation of a write that was allowed after reading the order at
 * `checkedVersion`: it must still find that version, so an order that changed
 * hands meanwhile is not written on the strength of the earlier check.
 */
export function pinnedExpectation(orderUid: string, expected: ExpectedVersion | undefined, checkedVersion: number): ExpectedVersion {
  if (expected === undefined || expected === 'any' || expected.includes(checkedVersion)) return [checkedVersion];
  throw new OrderVersionConflict(orderUid, expected, checkedVersion);
}
