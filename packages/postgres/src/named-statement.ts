import type { Knex } from 'knex';

/**
 * A statement PostgreSQL parses and plans once per connection rather than on
 * every run: node-postgres prepares a query that has a name the first time a
 * connection sees it. For the statements on the hot paths (the read behind a
 * cache miss, the create), planning is a large part of what they cost the
 * database.
 */
export interface NamedStatement {
  readonly name: string;
  readonly text: string;
}

/**
 * SQL written with knex's `?` placeholders (none of them a jsonb `?` operator)
 * with the i-th placeholder, from 0, replaced by `fill(i)`; `count` says how
 * many there were.
 */
export function fillPlaceholders(knexSql: string, fill: (index: number) => string): { text: string; count: number } {
  let count = 0;
  const text = knexSql.replace(/\?/g, () => fill(count++));
  return { text, count };
}

/** A named statement from SQL written with knex's `?` placeholders, numbered in order. */
export function namedStatement(name: string, knexSql: string): NamedStatement {
  return { name, text: fillPlaceholders(knexSql, (index) => `$${index + 1}`).text };
}

/** The part of a node-postgres client a named statement needs; knex's pool hands out such clients. */
interface PgConnection {
  query<R>(config: { name: string; text: string; values: readonly unknown[] }): Promise<{ rows: R[] }>;
}

/**
 * Runs `statement` on a connection of `db`'s pool, or on the transaction's own
 * connection when `db` is a transaction, and returns its rows. Errors are the
 * driver's, as from `db.raw`.
 */
export async function runNamed<R>(db: Knex, statement: NamedStatement, values: readonly unknown[]): Promise<R[]> {
  const connection = (await db.client.acquireConnection()) as PgConnection;
  try {
    return (await connection.query<R>({ name: statement.name, text: statement.text, values })).rows;
  } finally {
    await db.client.releaseConnection(connection);
  }
}
