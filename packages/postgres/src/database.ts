import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

// int8 and numeric arrive as text by default; the order's numbers fit a JS
// number (the document schema bounds them), so parse them once here.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export interface DatabaseOptions {
  url: string;
  poolMin?: number;
  poolMax?: number;
  /** Milliseconds a statement may run before PostgreSQL cancels it. */
  statementTimeoutMs?: number;
  applicationName?: string;
}

/** A knex instance over a pg pool; the caller owns it and calls `destroy()`. */
export function createDatabase({ url, poolMin = 0, poolMax = 10, statementTimeoutMs = 10_000, applicationName = 'order-service' }: DatabaseOptions): Knex {
  return knexFactory({
    client: 'pg',
    connection: {
      connectionString: url,
      application_name: applicationName,
      statement_timeout: statementTimeoutMs,
      connectionTimeoutMillis: 3_000,
      keepAlive: true,
    },
    pool: { min: poolMin, max: poolMax },
    acquireConnectionTimeout: 5_000,
  });
}

/** Creates the database named in `url` when it does not exist (connecting to `postgres` to do so). */
export async function ensureDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`refusing to create database with name ${JSON.stringify(name)}`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount) return false;
    await client.query(`create database "${name}"`);
    return true;
  } catch (error) {
    // Two set-ups racing: the other one created it.
    if ((error as { code?: string }).code === '42P04') return false;
    throw error;
  } finally {
    await client.end();
  }
}
