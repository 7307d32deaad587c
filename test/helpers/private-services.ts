import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { waitFor } from './services.js';

/** The nats-server binary, when installed. */
export const NATS_SERVER = ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find((p) => existsSync(p));
const PG_BIN = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin'].find((d) => existsSync(join(d, 'initdb')));
/** Whether a private PostgreSQL cluster can be made here (initdb and pg_ctl found). */
export const CAN_RUN_POSTGRES = PG_BIN !== undefined;

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

/**
 * A nats-server of the test's own, with JetStream stored in a temporary folder, so that the test
 * can stop it and start it again (its streams survive) without touching the shared server.
 */
export class PrivateNats {
  #child: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), 'perf-nats-'));

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateNats> {
    const n = new PrivateNats(await freePort());
    await n.start();
    return n;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.#child = spawn(NATS_SERVER!, ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.dir], { stdio: 'ignore' });
    await waitFor(async () => {
      try {
        const nc = await connect({ servers: this.url, reconnect: false, timeout: 500 });
        await nc.close();
        return true;
      } catch {
        return false;
      }
    }, 10_000);
  }

  /** Stops the server: SIGTERM lets it write its streams out; SIGKILL does not. */
  stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.#child;
    this.#child = null;
    return new Promise((res) => {
      if (!child || child.exitCode !== null) return res();
      child.once('exit', () => res());
      child.kill(signal);
    });
  }

  async remove(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Runs a PostgreSQL program, as the postgres user when the tests run as root (initdb refuses
 * root). Asynchronously: an engine running in the test's process must not be frozen meanwhile.
 */
function pgRun(program: string, args: string[]): Promise<void> {
  const cmd = join(PG_BIN!, program);
  const child = process.getuid?.() === 0 ? spawn('runuser', ['-u', 'postgres', '--', cmd, ...args]) : spawn(cmd, args);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((res, rej) =>
    child.once('exit', (code) => (code === 0 ? res() : rej(new Error(`${program} ${args.join(' ')} failed: ${output}`)))),
  );
}

/** A PostgreSQL cluster of the test's own, in a temporary folder, that the test can stop and start again. */
export class PrivatePostgres {
  readonly dir = mkdtempSync(join(tmpdir(), 'perf-pg-'));

  private constructor(readonly port: number) {}

  /** initdb, then start. */
  static async create(): Promise<PrivatePostgres> {
    const p = new PrivatePostgres(await freePort());
    if (process.getuid?.() === 0) {
      const pw = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
      const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
      chownSync(p.dir, Number(pw.stdout), Number(gid.stdout));
    }
    await pgRun('initdb', ['-D', join(p.dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    await p.start();
    return p;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async start(): Promise<void> {
    const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c shared_buffers=32MB`;
    await pgRun('pg_ctl', ['-D', join(this.dir, 'data'), '-o', opts, '-l', join(this.dir, 'log'), '-w', 'start']);
    await waitFor(async () => {
      const c = new pg.Client({ connectionString: this.url });
      try {
        await c.connect();
        await c.end();
        return true;
      } catch {
        return false;
      }
    }, 20_000);
  }

  /** Stops the server; `immediate` is a crash for the clients (no clean shutdown). */
  stop(mode: 'immediate' | 'fast' = 'immediate'): Promise<void> {
    return pgRun('pg_ctl', ['-D', join(this.dir, 'data'), '-m', mode, '-w', 'stop']);
  }

  async remove(): Promise<void> {
    await this.stop('immediate').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
