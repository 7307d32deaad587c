import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { quoteIdent } from '../../store/db.js';

/** Orders generated in the simulation's table by default: enough that a scan costs tens of ms. */
export const DEFAULT_ORDERS = 400_000;

/** The simulation's own schema on the platform's PostgreSQL. */
export interface SimDatabase {
  readonly url: string;
  readonly schema: string;
  readonly orders: number;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/** A fresh schema name for one simulation run. */
export function simSchemaName(): string {
  return `perf_sim_${randomBytes(5).toString('hex')}`;
}

/**
 * Creates the simulation's schema and its `sim_orders` table: `orders` rows, indexed by `id`
 * only, so that a lookup by `customer_email` (50,000 customers) is a sequential scan.
 */
export async function createSimDatabase(url: string, orders = DEFAULT_ORDERS, schema = simSchemaName()): Promise<SimDatabase> {
  const client = new pg.Client({ connectionString: url, application_name: 'perf-engine-simulate' });
  await client.connect();
  const s = quoteIdent(schema);
  try {
    await client.query(`CREATE SCHEMA ${s}`);
    await client.query(`CREATE TABLE ${s}.sim_orders (
      id bigint PRIMARY KEY,
      customer_id integer NOT NULL,
      customer_email text NOT NULL,
      status text NOT NULL,
      total numeric(12, 2) NOT NULL,
      created_at timestamptz NOT NULL,
      note text NOT NULL
    )`);
    await client.query(
      `INSERT INTO ${s}.sim_orders
       SELECT g, (g::bigint * 7919) % 50000, 'customer' || ((g::bigint * 7919) % 50000) || '@example.com',
              (ARRAY['new', 'paid', 'shipped', 'closed'])[1 + g % 4], round((g % 50000)::numeric / 100, 2),
              now() - make_interval(secs => g), md5(g::text)
       FROM generate_series(1, $1::integer) AS g`,
      [orders],
    );
    await client.query(`ANALYZE ${s}.sim_orders`);
  } catch (err) {
    await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`).catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
  return { url, schema, orders, drop: () => dropSimSchema(url, schema) };
}

/** Drops a simulation schema (waiting at most 10 s for locks). */
export async function dropSimSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'perf-engine-simulate' });
  await client.connect();
  try {
    await client.query(`SET lock_timeout = '10s'`);
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}
