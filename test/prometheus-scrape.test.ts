import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from './helpers/engine.js';
import { waitFor } from './helpers/services.js';

// Debian's `prometheus` package (.ci/run installs it) gives both binaries.
const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';
const available = existsSync(PROMETHEUS) && existsSync(PROMTOOL);
if (!available) process.stderr.write(`prometheus-scrape.test.ts: skipped, ${PROMETHEUS} or ${PROMTOOL} is missing (apt-get install prometheus)\n`);

const READ = 'prometheus-read-token-0123456789';
let engine: TestEngine;
let prometheus: ChildProcess | null = null;
let dir = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function scrape(): Promise<string> {
  const res = await fetch(`${engine.http}/metrics`, { headers: { authorization: `Bearer ${READ}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return res.text();
}

beforeAll(async () => {
  if (!available) return;
  dir = mkdtempSync(join(tmpdir(), 'perf-engine-prom-'));
  engine = await startTestEngine({ PERF_ENGINE_MONITORING_INTERVAL_SECONDS: '1', PERF_ENGINE_HTTP_READ_TOKEN: READ });
  // Two ticks: the second gives the rates (network, disk) their first values. A tick's snapshot is
  // committed a flush later, so wait for a commit too (a CI run scraped 0 committed samples).
  await waitFor(
    () =>
      (engine.engine.status() as Promise<{ monitor: { ticks: number }; writer: { committedSamples: number } }>).then(
        (s) => s.monitor.ticks >= 2 && s.writer.committedSamples > 0,
      ),
    15_000,
  );
});

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus!.once('exit', r));
    prometheus.kill('SIGTERM');
    await exited;
  }
  await engine?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!available)('GET /metrics and Prometheus', () => {
  it('serves an exposition promtool accepts, with the engine counters, store histograms and host and process gauges', async () => {
    const text = await scrape();
    const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
    expect(text).toMatch(/^# TYPE perf_engine_store_committed_samples_total counter$/m);
    expect(text).toMatch(/^perf_engine_store_committed_samples_total [1-9]\d*$/m);
    expect(text).toMatch(/^perf_engine_store_commit_duration_seconds_count [1-9]\d*$/m);
    expect(text).toMatch(/^# TYPE perf_engine_store_write_latency_seconds histogram$/m);
    expect(text).toMatch(/^perf_engine_detection_busy_seconds_total \d/m);
    expect(text).toMatch(/^perf_engine_bottlenecks_open 0$/m);
    expect(text).toMatch(/^perf_host_cpu_usage\{source="[^"]+"\} \d/m);
    expect(text).toMatch(/^perf_host_network_rx_bytes_per_second\{source="[^"]+",device="[^"]+"\} \d/m);
    expect(text).toMatch(/^perf_process_memory_rss_bytes\{source="[^"]+",pid="\d+",comm="[^"]+",role="self"\} [1-9]/m);
    const samples = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(samples.filter((l) => /^[^{ ]*(_per_sec\b|\.|_ms\b)/.test(l))).toEqual([]);
  });

  it('is scraped by a real Prometheus server with the read token, and a series comes back from its query API', async () => {
    const port = await freePort();
    const target = new URL(engine.http).host;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        'scrape_configs:',
        '  - job_name: perf-engine',
        '    metrics_path: /metrics',
        '    authorization:',
        `      credentials: ${READ}`,
        '    static_configs:',
        `      - targets: ['${target}']`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    prometheus.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const query = async (q: string) => {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?${new URLSearchParams({ query: q })}`).catch(() => null);
      if (!res?.ok) return [];
      return ((await res.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
    };
    await waitFor(async () => (await query('up{job="perf-engine"} == 1')).length === 1, 30_000, 250).catch((err: unknown) => {
      throw new Error(`Prometheus did not scrape the engine: ${String(err)}\n${log.slice(-2000)}`);
    });
    const committed = await query('perf_engine_store_committed_samples_total');
    expect(committed).toHaveLength(1);
    expect(committed[0]!.metric).toMatchObject({ job: 'perf-engine', instance: target });
    expect(Number(committed[0]!.value[1])).toBeGreaterThan(0);
    const cpu = await query('perf_host_cpu_usage');
    expect(cpu).toHaveLength(1);
    expect(cpu[0]!.metric.source).toBeTruthy();
  });
});
