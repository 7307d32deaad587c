import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHostCollector } from '../src/collect/host-collector.js';
import { createProcessCollector } from '../src/collect/process-collector.js';
import { parsePidStat } from '../src/collect/proc/parse-pid-stat.js';
import { USER_HZ } from '../src/collect/process-metrics.js';
import type { MetricSnapshot } from '../src/model/snapshot.js';
import { figure, type Benchmark, type Figure } from './figure.js';
import { argPositiveOr } from './lib/args.js';

const CHILD_FLAG = '--collect-bench-child';
const NODE_EXPORTER = 'prometheus-node-exporter';
const WARMUP_TICKS = 20;

/** What the child reports after its measured ticks. */
interface ChildResult {
  readonly ticks: number;
  /** Whole-process CPU (all threads, idle time between ticks included) per tick, µs. */
  readonly cpuUsPerTick: number;
  /** CPU inside collect() of each collector per tick, µs. */
  readonly hostUsPerTick: number;
  readonly processUsPerTick: number;
  readonly processes: number;
  readonly watched: number;
  readonly hostMetrics: number;
  readonly processMetrics: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const cpuUs = (c: NodeJS.CpuUsage): number => c.user + c.system;

/** Runs in a child process so that its CPU is the collectors' alone: warm-up, then one tick per second. */
async function childMain(ticks: number): Promise<void> {
  const hostName = 'bench';
  const host = createHostCollector({ hostName });
  const proc = createProcessCollector({ hostName, patterns: ['^node$'], selfPid: process.pid });
  for (let i = 0; i < WARMUP_TICKS; i++) {
    await host.collect(Date.now());
    await proc.collect(Date.now());
    await sleep(50);
  }
  process.stdout.write('ready\n');
  let hostUs = 0;
  let procUs = 0;
  let last: { host: MetricSnapshot[]; processes: MetricSnapshot[] } = { host: [], processes: [] };
  const start = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < ticks; i++) {
    await sleep(t0 + i * 1000 - performance.now());
    const c0 = process.cpuUsage();
    const hs = await host.collect(Date.now());
    const c1 = process.cpuUsage();
    const ps = await proc.collect(Date.now());
    const c2 = process.cpuUsage();
    hostUs += cpuUs(c1) - cpuUs(c0);
    procUs += cpuUs(c2) - cpuUs(c1);
    last = { host: hs, processes: ps };
  }
  const total = cpuUs(process.cpuUsage(start));
  const count = (snaps: MetricSnapshot[]): number => snaps.reduce((n, s) => n + Object.keys(s.metrics).length, 0);
  const processes = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
  const result: ChildResult = {
    ticks,
    cpuUsPerTick: total / ticks,
    hostUsPerTick: hostUs / ticks,
    processUsPerTick: procUs / ticks,
    processes,
    watched: last.processes.length,
    hostMetrics: count(last.host),
    processMetrics: count(last.processes),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** CPU seconds (user + system, all threads, exited ones included) of a process so far. */
function cpuSecondsOf(pid: number): number {
  const stat = parsePidStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  if (stat === undefined) throw new Error(`cannot parse /proc/${pid}/stat`);
  return (stat.utime + stat.stime) / USER_HZ;
}

async function scrape(url: string): Promise<number> {
  const res = await fetch(url);
  const body = await res.text();
  if (!res.ok) throw new Error(`node-exporter answered ${res.status}`);
  return body.length;
}

/**
 * Compiles this file and the collectors to plain JavaScript in `outDir`: the engine runs compiled
 * code, and a TypeScript loader thread alone costs several ms of CPU per second.
 */
function compileChild(outDir: string): string {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const self = fileURLToPath(import.meta.url);
  const root = join(dirname(self), '..');
  const args = ['--outDir', outDir, '--rootDir', root, '--module', 'nodenext', '--moduleResolution', 'nodenext'];
  args.push('--target', 'es2022', '--skipLibCheck', '--types', 'node', self);
  const r = spawnSync(process.execPath, [tsc, ...args], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc failed: ${r.stdout}${r.stderr}`);
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
  return join(outDir, 'bench', 'collect.js');
}

/** Starts the child and resolves with its result; `onReady` runs once it has warmed up. */
function runChild(script: string, seconds: number, onReady: () => void): Promise<ChildResult> {
  const child = spawn(process.execPath, [script, CHILD_FLAG, String(seconds)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (!out.includes('ready\n') && (out + chunk).includes('ready\n')) onReady();
      out += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`collector child exited with ${code}: ${out.slice(-500)}`));
      else resolve(JSON.parse(last) as ChildResult);
    });
  });
}

async function startNodeExporter(ctx: { log(line: string): void }): Promise<{ pid: number; url: string; stop(): void } | undefined> {
  if (spawnSync(NODE_EXPORTER, ['--version'], { stdio: 'ignore' }).status !== 0) {
    ctx.log(`${NODE_EXPORTER} not found (Debian package prometheus-node-exporter): no reference this run`);
    return undefined;
  }
  const port = await freePort();
  const ne = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}/metrics`;
  const stop = (): void => void ne.kill('SIGTERM');
  for (let i = 0; i < 50; i++) {
    try {
      await scrape(url);
      return { pid: ne.pid!, url, stop };
    } catch {
      await sleep(100);
    }
  }
  stop();
  throw new Error(`${NODE_EXPORTER} did not answer on ${url}`);
}

const collect: Benchmark = {
  name: 'collect',
  description: 'CPU per monitoring tick (host + every process) beside prometheus-node-exporter scraped once per second',
  async run(ctx): Promise<Figure[]> {
    const seconds = argPositiveOr(ctx.args, '--seconds', 60);
    const ne = await startNodeExporter(ctx);
    try {
      if (ne) for (let i = 0; i < 3; i++) await scrape(ne.url);
      let neCpu = 0;
      let scrapes = 0;
      let ready!: () => void;
      const readyP = new Promise<void>((r) => (ready = r));
      const childP = runChild(compileChild(join(ctx.tmpDir, 'js')), seconds, ready);
      await readyP;
      ctx.log(`collectors warmed up (${WARMUP_TICKS} ticks); ${seconds} s at 1 tick/s${ne ? ' beside node-exporter' : ''}`);
      if (ne) {
        const cpu0 = cpuSecondsOf(ne.pid);
        const t0 = performance.now();
        for (let i = 0; i < seconds; i++) {
          await sleep(t0 + i * 1000 - performance.now());
          await scrape(ne.url);
          scrapes++;
        }
        neCpu = cpuSecondsOf(ne.pid) - cpu0;
      }
      const r = await childP;
      const oursMs = r.cpuUsPerTick / 1000;
      const neMs = scrapes > 0 ? (neCpu * 1000) / scrapes : undefined;
      const notes =
        `${r.processes} processes on the machine, ${r.watched} watched (pattern ^node$ + self); ` +
        `${r.hostMetrics} host metrics + ${r.processMetrics} process metrics per tick; inside collect(): ` +
        `host ${(r.hostUsPerTick / 1000).toFixed(2)} ms, processes ${(r.processUsPerTick / 1000).toFixed(2)} ms; ` +
        `whole collector process CPU over ${r.ticks} ticks after ${WARMUP_TICKS} warm-up ticks` +
        (neMs === undefined ? '' : `; node-exporter CPU from /proc/<pid>/stat over ${scrapes} scrapes (10 ms resolution)`);
      const met = oursMs <= 5 && (neMs === undefined || oursMs <= neMs / 2);
      return [
        figure({
          bench: 'collect',
          name: 'CPU per tick, host + every process',
          value: oursMs,
          unit: 'ms',
          ...(neMs !== undefined && {
            reference: { name: 'prometheus-node-exporter, default collectors, CPU per scrape', value: neMs, unit: 'ms' },
          }),
          target: '<= 0.5x node-exporter and <= 5 ms',
          met,
          notes,
        }),
      ];
    } finally {
      ne?.stop();
    }
  },
};

export default collect;

if (process.argv.includes(CHILD_FLAG)) {
  await childMain(Number(process.argv[process.argv.indexOf(CHILD_FLAG) + 1]));
}
