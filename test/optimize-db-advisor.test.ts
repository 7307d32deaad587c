import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricSnapshot } from '../src/model/snapshot.js';
import { adviseTarget } from '../src/optimize/stage/db/advise-target.js';
import { DbAdvisorStage } from '../src/optimize/stage/db/db-advisor-stage.js';
import type { OptimizationProposal } from '../src/optimize/proposal.js';
import type { DbAdvisorSettings } from '../src/optimize/stage/db/db-advisor.js';
import { IndexApplier } from '../src/optimize/stage/db/index-applier.js';
import { StatementSeriesReader } from '../src/optimize/stage/db/statement-series-reader.js';
import type { DbFindings } from '../src/optimize/db/db-findings.js';
import { openPgSession } from '../src/store/pg-session.js';
import { PG_URL, quietLogger } from './helpers/services.js';

const SETTINGS: DbAdvisorSettings = { minGain: 0.5, writeHeavyFactor: 2, maxStatements: 10, unusedMinDays: 0 };
const LOOKUP = 'SELECT id, status, amount FROM adv.orders WHERE customer_id = $1';
const open = (url: string) => openPgSession(url, { applicationName: 'perf-engine test' });

async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function urlOf(database: string, password?: string): string {
  const u = new URL(PG_URL);
  u.pathname = `/${database}`;
  if (password) u.password = password;
  return u.toString();
}

/** Runs the built CLI (`npm test` builds it first) with only the given environment. */
function cli(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [resolve('dist/cli/main.js'), ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PERF_ENGINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'pe-advise-')), ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const preload = await admin(PG_URL, async (c) => (await c.query<{ v: string }>("SELECT current_setting('shared_preload_libraries') AS v")).rows[0]!.v);
const skipReason = preload.includes('pg_stat_statements')
  ? null
  : `skipped: shared_preload_libraries of ${new URL(PG_URL).host} is '${preload}', without pg_stat_statements (.ci/run preloads it)`;
if (skipReason) console.warn(`optimize-db-advisor: ${skipReason}`);

/** Runs the lookup `n` times with customer ids spread over the table. */
async function lookups(url: string, n: number): Promise<void> {
  await admin(url, async (c) => {
    for (let i = 0; i < n; i++) await c.query(LOOKUP, [(i * 7919) % 20000]);
  });
}

describe.skipIf(skipReason !== null)('database advisor on PostgreSQL with pg_stat_statements and HypoPG', () => {
  const name = `pe_adv_${randomBytes(5).toString('hex')}`;
  const bare = `${name}_bare`;
  const url = urlOf(name);
  let first: DbFindings;

  beforeAll(async () => {
    await admin(PG_URL, async (c) => {
      await c.query(`CREATE DATABASE ${name}`);
      await c.query(`CREATE DATABASE ${bare}`);
      await c.query(`ALTER DATABASE ${name} SET max_parallel_workers_per_gather = 0`);
    });
    await admin(url, async (c) => {
      await c.query('CREATE EXTENSION pg_stat_statements; CREATE EXTENSION hypopg; CREATE SCHEMA adv');
      await c.query(`CREATE TABLE adv.orders (id bigserial PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL, amount numeric NOT NULL)`);
      await c.query(`INSERT INTO adv.orders (customer_id, status, created_at, amount)
        SELECT g % 20000, (ARRAY['new','paid','shipped','done'])[1 + g % 4], now() - g * interval '1 minute', g % 1000 FROM generate_series(1, 200000) g`);
      await c.query('CREATE INDEX orders_status_idx ON adv.orders (status)');
      await c.query('CREATE INDEX orders_status_created_idx ON adv.orders (status, created_at)');
      await c.query('CREATE INDEX orders_amount_idx ON adv.orders (amount)');
      await c.query('ANALYZE adv.orders');
      await c.query('SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)');
    });
    await lookups(url, 60);
    first = (await adviseTarget(open, url, { settings: SETTINGS, memory: null, windowMs: null })).findings;
  }, 180_000);

  afterAll(async () => {
    await admin(PG_URL, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.query(`DROP DATABASE IF EXISTS ${bare} WITH (FORCE)`);
    });
  });

  it('ranks the repeated lookup first and proposes the index on its filter column, cutting its cost by at least half', () => {
    expect(first.error).toBeNull();
    expect(first.missing).toEqual([]);
    const top = first.statements[0]!;
    expect(top.query).toBe(LOOKUP);
    expect(top.calls).toBe(60);
    const create = first.proposals.filter((p) => p.action === 'create_index');
    expect(create).toHaveLength(1);
    const p = create[0]!;
    expect(p.params).toMatchObject({ database: name, schema: 'adv', table: 'orders', columns: ['customer_id'], method: 'btree', queryids: [top.queryid] });
    expect(p.params.ddl).toBe('CREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_customer_id_pe_idx" ON "adv"."orders" USING btree ("customer_id")');
    const predicted = p.predicted as { cost_before: number; cost_after: number };
    expect(predicted.cost_after).toBeLessThanOrEqual(predicted.cost_before * 0.5);
    expect(p.expect).toEqual([{ metric: 'db_statement_mean_ms', direction: 'decrease', source: `${name}:${top.queryid}` }]);
    console.log(`advisor: ${top.query} cost ${predicted.cost_before} -> ${predicted.cost_after}; first pass ${first.cost.statements} statements, ${first.cost.ms} ms`);
  });

  it('reports the duplicate and the unused index as drop candidates, never the primary key', () => {
    const drops = first.proposals.filter((p) => p.action === 'drop_index').map((p) => [p.params.index, p.params.reason, (p.predicted as { covered_by: string | null }).covered_by]);
    expect(drops).toContainEqual(['orders_status_idx', 'duplicate', 'orders_status_created_idx']);
    expect(drops).toContainEqual(['orders_amount_idx', 'unused', null]);
    expect(drops.map((d) => d[0])).not.toContain('orders_pkey');
  });

  it('prints the findings with `perf-engine advise db`, the password of the URL masked', () => {
    const target = urlOf(name, 's3cret-pw');
    const json = cli(['advise', 'db', '--json', '--database', target], {});
    expect(json.err).toBe('');
    expect(json.code).toBe(0);
    expect(json.out).not.toContain('s3cret-pw');
    const body = JSON.parse(json.out) as { missing: unknown[]; databases: DbFindings[] };
    expect(body.missing).toEqual([]);
    expect(body.databases[0]!.target).toContain(':***@');
    expect(body.databases[0]!.proposals.map((p) => p.key)).toContain(`create_index:${name}.adv.orders(customer_id)`);
    const text = cli(['advise', 'db'], { PERF_ENGINE_OPTIMIZE_DATABASES: JSON.stringify([target]), PERF_ENGINE_OPTIMIZE_DB_UNUSED_MIN_DAYS: '0' });
    expect(text.code).toBe(0);
    expect(text.out).not.toContain('s3cret-pw');
    for (const part of ['statements by time consumed', LOOKUP, 'proposed indexes:', 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_customer_id_pe_idx"', 'drop candidates:', 'orders_amount_idx', 'lock waits:', 'cache hit ratio', 'advisor cost:']) {
      expect(text.out).toContain(part);
    }
  }, 120_000);

  it('says PGlite has no pg_stat_statements when the engine has no PostgreSQL and none is named', () => {
    const r = cli(['advise', 'db'], {});
    expect(r.code).toBe(1);
    expect(r.out).toContain('missing postgresql: the engine stores into its embedded PGlite database, which has no pg_stat_statements');
  });

  it('runs as a stage: hands its proposals to the sink once per key and follows the statements they are for', async () => {
    const taken: OptimizationProposal[] = [];
    const stage = new DbAdvisorStage({
      open,
      settings: () => ({ databases: [url], engineUrl: null, intervalSeconds: 300, seriesIntervalSeconds: 15, advisor: SETTINGS }),
      log: quietLogger(),
      proposals: async (p) => {
        taken.push(p);
        return { optimizationId: `opt-${taken.length}`, created: true };
      },
      append: () => undefined,
    });
    const [f] = await stage.runPass();
    await stage.stop();
    expect(f!.database).toBe(name);
    expect(taken.map((p) => p.key)).toContain(`create_index:${name}.adv.orders(customer_id)`);
    const queryid = f!.statements.find((s) => s.query === LOOKUP)!.queryid;
    expect(stage.series.tracked().get(name)).toEqual([queryid]);
    expect(await stage.directory.urlOf(name)).toBe(url);
    expect(stage.latest()).toEqual([f]);
  });

  it('applies the index concurrently and idempotently; its statement mean time drops and the index is used', async () => {
    const p = first.proposals.find((x) => x.action === 'create_index')!;
    const queryid = (p.params.queryids as string[])[0]!;
    const points: MetricSnapshot[] = [];
    const directory = { urlOf: async (db: string) => (db === name ? url : null) };
    const series = new StatementSeriesReader(directory, open, (s) => points.push(...s));
    // What the applier sends, as it sends it (pg_stat_statements may evict a statement run once
    // while other test files fill it, so it cannot be asked afterwards).
    const issued: string[] = [];
    const recording = async (u: string) => {
      const session = await open(u);
      return { query: ((sql: string, params?: readonly unknown[]) => (issued.push(sql), session.query(sql, params))) as typeof session.query, close: () => session.close() };
    };
    const applier = new IndexApplier(directory, recording, { lockTimeoutMs: 5000 });
    series.track(name, [queryid]);
    expect(await series.sample()).toEqual([]);
    await lookups(url, 40);
    await series.sample();
    await applier.apply(p);
    await applier.apply(p);
    await lookups(url, 40);
    await series.sample();
    await series.close();
    const means = points.map((x) => x.metrics.db_statement_mean_ms!);
    console.log(`statement ${queryid} mean ${means[0]!.toFixed(3)} ms before the index, ${means[1]!.toFixed(3)} ms after`);
    expect(points.map((x) => x.source)).toEqual([`${name}:${queryid}`, `${name}:${queryid}`]);
    expect(means[1]!).toBeLessThan(means[0]! * 0.5);
    expect(await applier.usage(p.params)).toMatchObject({ exists: true, valid: true });
    expect((await applier.usage(p.params)).scans).toBeGreaterThanOrEqual(40);
    expect(issued.filter((sql) => sql.includes('CREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_customer_id_pe_idx"'))).toHaveLength(1);
    await applier.apply(p.undo!);
    await applier.apply(p.undo!);
    expect(await applier.usage(p.params)).toEqual({ exists: false, valid: false, scans: 0 });
    await applier.apply(p);
  });

  it('stops proposing the index once it exists, and a pass takes far under 1 % of a 5-minute interval', async () => {
    const r1 = await adviseTarget(open, url, { settings: SETTINGS, memory: null, windowMs: 300_000 });
    await lookups(url, 20);
    const r2 = await adviseTarget(open, url, { settings: SETTINGS, memory: r1.memory, windowMs: 300_000 });
    const f = r2.findings;
    expect(f.proposals.filter((p) => p.action === 'create_index')).toEqual([]);
    expect(f.statements[0]!.query).toBe(LOOKUP);
    expect(f.statements[0]!.calls).toBe(20);
    console.log(`advisor cost per pass: ${f.cost.statements} statements, ${f.cost.ms} ms = ${f.cost.shareOfWindowPct} % of 300 s`);
    expect(f.cost.shareOfWindowPct!).toBeLessThan(1);
  });

  it('says exactly what is missing in a database without the extensions, and proposes no index', async () => {
    const { findings } = await adviseTarget(open, urlOf(bare), { settings: SETTINGS, memory: null, windowMs: null });
    expect(findings.missing.map((m) => [m.what, m.fix])).toEqual([
      ['pg_stat_statements', `run CREATE EXTENSION pg_stat_statements; in database ${bare} as a superuser`],
      ['hypopg', `run CREATE EXTENSION hypopg; in database ${bare}`],
    ]);
    expect(findings.statements).toEqual([]);
    expect(findings.proposals.filter((p) => p.action === 'create_index')).toEqual([]);
  });
});
