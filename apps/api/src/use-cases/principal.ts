/**
 * Who is asking, resolved once at the HTTP edge from a verified token and
 * handed to the use cases as a plain value. The use cases decide what it may
 * reach (see order-access.ts); adapters never see it.
 */
export interface Principal {
  /** The token's `sub`: whose idempotency keys and rate limit these are. */
  readonly subject: string;
  /** The customer the token speaks for (`customer_id` claim), or null for staff and services. */
  readonly customerId: string | null;
  readonly scopes: ReadonlySet<string>;
}

/** The scopes this API knows, and which operations each allows. */
export const scopes = {
  /** GET one order, search. */
  read: 'orders:read',
  /** POST, PUT. */
  write: 'orders:write',
  /** DELETE. */
  delete: 'orders:delete',
  /** Reach every customer's orders when reading or searching (staff, services). */
  readAll: 'orders:read:all',
  /** Reach every customer's orders when writing or deleting (staff, services). */
  writeAll: 'orders:write:all',
} as const;
