import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Collector } from '../src/collect/collector.js';
import { createProcessCollector } from '../src/collect/process-collector.js';
import type { MetricSnapshot } from '../src/model/snapshot.js';

const MIN_AGE_S = 3;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('process identity on real processes', () => {
  // Every process of this test names this folder on its command line, so the pattern matches only them.
  const dir = mkdtempSync(join(tmpdir(), 'pe-identity-'));
  const script = join(dir, 'order-agent.js');
  writeFileSync(script, 'setInterval(() => {}, 1000);\n');
  const children: ChildProcess[] = [];
  const collectors: Collector[] = [];

  afterAll(() => {
    for (const c of collectors) c.close?.();
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (args: string[]): Promise<ChildProcess> => {
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    return child;
  };
  const stop = async (child: ChildProcess): Promise<void> => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  const collector = (minAgeSeconds: number): Collector => {
    const c = createProcessCollector({ hostName: 'test', patterns: [escapeRegex(dir)], selfPid: process.pid, minAgeSeconds });
    collectors.push(c);
    return c;
  };
  /** Source -> pid label of the watched processes (the test process itself left out). */
  const watched = (snaps: MetricSnapshot[]): Record<string, string | undefined> =>
    Object.fromEntries(snaps.filter((s) => s.labels?.role === 'watched').map((s) => [s.source, s.labels?.pid]));

  it('ignores short-lived processes and keeps a stable source across a restart, with the pid as a label', async () => {
    const exe = basename(process.execPath);
    const first = await start([script]);
    const twin = await start([script]);
    await sleep(MIN_AGE_S * 1000 + 200);
    const quick = [
      await start(['-e', `setTimeout(() => {}, 10000); // ${dir} quick 1`]),
      await start(['-e', `setTimeout(() => {}, 10000); // ${dir} quick 2`]),
    ];

    const guarded = collector(MIN_AGE_S);
    const seen = await guarded.collect(Date.now());
    // Without a minimum age the same tick would have watched the two quick ones as well.
    const unguarded = watched(await collector(0).collect(Date.now()));
    expect(Object.keys(unguarded)).toHaveLength(4);
    expect(quick.every((q) => q.exitCode === null)).toBe(true);
    await Promise.all(quick.map(stop));

    expect(watched(seen)).toEqual({ [`${exe}:order-agent`]: String(first.pid), [`${exe}:order-agent:2`]: String(twin.pid) });
    const snap = seen.find((s) => s.labels?.pid === String(first.pid))!;
    expect(snap.labels).toMatchObject({ role: 'watched', cmd: `${exe} ${script}` });
    expect(snap.metrics.memory_rss_bytes).toBeGreaterThan(0);

    // The first one restarts with the same command line: same source, new pid; its twin keeps its own.
    await stop(first);
    const again = await start([script]);
    expect(watched(await guarded.collect(Date.now()))).toEqual({ [`${exe}:order-agent:2`]: String(twin.pid) });
    await sleep(MIN_AGE_S * 1000 + 200);
    const later = watched(await guarded.collect(Date.now()));
    expect(later).toEqual({ [`${exe}:order-agent`]: String(again.pid), [`${exe}:order-agent:2`]: String(twin.pid) });
    expect(again.pid).not.toBe(first.pid);
  });
});
