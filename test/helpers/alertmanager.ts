import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deadUrl } from './http-receiver.js';
import { waitFor } from './services.js';

/** Debian's Alertmanager (package prometheus-alertmanager). */
export const ALERTMANAGER_BIN = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';

/** One alert as `GET /api/v2/alerts` lists it. */
export interface ListedAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly status: { readonly state: string };
}

/** A private Alertmanager on a loopback port, with its own storage and no cluster. */
export interface TestAlertmanager {
  readonly url: string;
  alerts(): Promise<ListedAlert[]>;
  stop(): Promise<void>;
}

/** Whether the Alertmanager binary is installed (the test says so and skips when it is not). */
export function alertmanagerInstalled(): boolean {
  return existsSync(ALERTMANAGER_BIN);
}

/** Starts Alertmanager with one receiver that sends nothing; resolves once it is ready. */
export async function startAlertmanager(): Promise<TestAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'alertmanager-'));
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(config, 'route:\n  receiver: blackhole\n  group_wait: 1s\nreceivers:\n  - name: blackhole\n');
  const url = new URL(await deadUrl()).origin;
  const child: ChildProcess = spawn(
    ALERTMANAGER_BIN,
    [`--config.file=${config}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=${new URL(url).host}`, '--cluster.listen-address=', '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`alertmanager exited: ${stderr}`);
      return (await fetch(`${url}/-/ready`).catch(() => null))?.ok ?? false;
    }, 20_000, 100);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    alerts: async () => (await (await fetch(`${url}/api/v2/alerts`)).json()) as ListedAlert[],
    stop,
  };
}
