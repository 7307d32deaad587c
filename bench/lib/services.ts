import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { streamNameFor } from '../../src/bus/ingest-stream.js';

/** PostgreSQL and NATS used by benchmarks (the same local services as the tests). */
export const BENCH_PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const BENCH_NATS_URL = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';

/** A unique name for a schema or subject prefix. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

/** Runs SQL on the bench database with a fresh client. */
export async function sql<R extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: BENCH_PG_URL });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as R[];
  } finally {
    await c.end();
  }
}

/** CPU time (user + system) of a process in ms, from /proc/<pid>/stat. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

/** Peak and current resident set size of a process in bytes, from /proc/<pid>/status. */
export function processRss(pid: number): { peak: number; current: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { peak: kb('VmHWM'), current: kb('VmRSS') };
}

/** A `perf-engine start` child process on the bench services, isolated by schema and prefix. */
export interface EngineProcess {
  readonly child: ChildProcess;
  readonly schema: string;
  readonly prefix: string;
  readonly http: string;
  stop(): Promise<number | null>;
}

/** Deletes the JetStream stream an engine made for its subject prefix (benchmarks share the server). */
async function removeIngestStream(prefix: string): Promise<void> {
  try {
    const nc = await connect({ servers: BENCH_NATS_URL });
    try {
      await (await jetstreamManager(nc)).streams.delete(streamNameFor(prefix, 'PERF_ENGINE_INGEST'));
    } finally {
      await nc.close();
    }
  } catch {
    // No JetStream or no stream: nothing to remove.
  }
}

/** Starts the built CLI (`dist/cli/main.js start`) and waits until `/readyz` answers 200. */
export async function startEngineProcess(env: Record<string, string> = {}): Promise<EngineProcess> {
  const schema = uniqueName('bench');
  const prefix = `${schema}.`;
  const port = await freePort();
  // BENCH_ENGINE_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") lets one profile the engine under load.
  const nodeArgs = (process.env.BENCH_ENGINE_NODE_ARGS ?? '').split(' ').filter((a) => a.length > 0);
  const child = spawn(process.execPath, [...nodeArgs, resolve('dist/cli/main.js'), 'start'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: BENCH_PG_URL,
      NATS_URL: BENCH_NATS_URL,
      PERF_ENGINE_DATABASE_SCHEMA: schema,
      PERF_ENGINE_NATS_SUBJECT_PREFIX: prefix,
      PERF_ENGINE_HTTP_PORT: String(port),
      PERF_ENGINE_MONITORING_INTERVAL_SECONDS: '86400',
      PERF_ENGINE_LOG_LEVEL: 'warn',
      // PERF_ENGINE_* settings of the bench's own environment reach the engine (e.g. to measure without a stage),
      // and so do glibc's MALLOC_* tunables (e.g. MALLOC_ARENA_MAX, to measure the allocator's share of the RSS).
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('PERF_ENGINE_') || k.startsWith('MALLOC_')) as [string, string][]),
      ...env,
    },
    stdio: ['ignore', process.env.BENCH_ENGINE_STDOUT ? 'inherit' : 'ignore', 'inherit'],
  });
  const http = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`engine exited with ${child.exitCode} before it was ready`);
    try {
      if ((await fetch(`${http}/readyz`)).status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error('engine not ready within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    schema,
    prefix,
    http,
    stop: async () => {
      const code = await new Promise<number | null>((res) => {
        if (child.exitCode !== null) return res(child.exitCode);
        child.once('exit', (c) => res(c));
        child.kill('SIGTERM');
      });
      await removeIngestStream(prefix);
      return code;
    },
  };
}

/** Drops a bench schema. */
export async function dropSchema(schema: string): Promise<void> {
  await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/** Runs `psql` on the bench database; returns wall time in ms. Throws on failure. */
export function timePsql(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync('psql', [BENCH_PG_URL, '-v', 'ON_ERROR_STOP=1', '-q', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return performance.now() - t0;
}
