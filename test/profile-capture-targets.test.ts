import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { analyzeProfileBytes } from '../src/profile/analysis/analyze-profile.js';
import { summarizeEventLoop } from '../src/profile/analysis/event-loop-report.js';
import { createCaptureTargets } from '../src/profile/capture/capture-targets.js';
import { CaptureError, type CapturedProfile } from '../src/profile/capture/capture-types.js';
import { captureInProcess } from '../src/profile/capture/in-process.js';
import { findExecutable } from '../src/profile/capture/perf-capture.js';
import { capturePid } from '../src/profile/capture/pid-capture.js';
import { parseListeningSockets, socketInodes } from '../src/profile/capture/proc-inspect.js';

const TARGET = fileURLToPath(new URL('fixtures/profile/busy-target.mjs', import.meta.url));
const ALLOW_TARGET = ['busy-target\\.mjs'];
const children: ChildProcess[] = [];

/** What each started child wrote on stderr and how it ended, for failure messages. */
const childLogs = new Map<ChildProcess, { stderr: string; ended: string | null }>();

/** Starts a process and resolves once it printed its first line (or at once for silent ones). */
function start(cmd: string, args: string[], waitForLine = true): Promise<ChildProcess> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const log = { stderr: '', ended: null as string | null };
  childLogs.set(child, log);
  child.stderr!.on('data', (d: Buffer) => (log.stderr = (log.stderr + d.toString()).slice(-4000)));
  child.once('exit', (code, signal) => (log.ended = `exited with ${signal ?? code}`));
  if (!waitForLine) return new Promise((r) => setTimeout(() => r(child), 200));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', () => resolve(child));
  });
}

function listeningPorts(pid: number): number[] {
  const inodes = socketInodes(readdirSync(`/proc/${pid}/fd`).map((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      return '';
    }
  }));
  return parseListeningSockets(readFileSync(`/proc/${pid}/net/tcp`, 'utf8')).filter((s) => inodes.has(s.inode)).map((s) => s.port);
}

/** Runs a capture; when it fails, the error says how the child stands (a target that died shows why). */
async function withChildState<T>(child: ChildProcess, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    const log = childLogs.get(child);
    throw new Error(`${(err as Error).message}\n(child ${child.pid}: ${log?.ended ?? 'running'}; stderr: ${log?.stderr ?? ''})`, { cause: err });
  }
}

async function failure(p: Promise<unknown>): Promise<CaptureError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CaptureError);
  return err as CaptureError;
}

function cpuHotspots(c: CapturedProfile): string[] {
  const a = analyzeProfileBytes(c.raw, { top: 10 });
  if (a.kind !== 'cpu') throw new Error(`expected a CPU profile, got ${a.kind}`);
  return a.analysis.report.hotspots.map((h) => h.function);
}

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

/** Keeps a recognisable function busy in this process, in slices, for `ms`. */
function selfTestHotLoop(ms: number): number {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) for (let i = 0; i < 1000; i++) x += Math.sqrt(i + x);
  return x;
}

describe('self: in-process capture', () => {
  it('records a CPU profile naming the busy function, and refuses a second one meanwhile', async () => {
    let busy = true;
    const spin = (): void => {
      selfTestHotLoop(4);
      if (busy) setImmediate(spin);
    };
    spin();
    const running = captureInProcess({ kind: 'cpu', durationMs: 800, maxBytes: 64 << 20 });
    expect((await failure(captureInProcess({ kind: 'cpu', durationMs: 100, maxBytes: 64 << 20 }))).code).toBe('busy');
    const captured = await running;
    busy = false;
    expect(captured).toMatchObject({ kind: 'cpu', format: 'cpuprofile', extra: { sampling_interval_us: 1000 } });
    expect(cpuHotspots(captured).slice(0, 3)).toContain('selfTestHotLoop');
  });

  it('records a heap profile with V8 heap statistics at start and end, and fails one over the size cap', async () => {
    const keep: object[] = [];
    const timer = setInterval(() => keep.push(Array.from({ length: 5000 }, (_, i) => ({ i }))), 5);
    const captured = await captureInProcess({ kind: 'heap', durationMs: 500, maxBytes: 64 << 20 });
    clearInterval(timer);
    const a = analyzeProfileBytes(captured.raw);
    expect(a.kind).toBe('heap');
    const stats = captured.extra.heap_statistics as { start: Record<string, number>; end: Record<string, number> };
    expect(stats.end.used_heap_size).toBeGreaterThan(0);
    expect((await failure(captureInProcess({ kind: 'cpu', durationMs: 200, maxBytes: 100 }))).code).toBe('too_large');
  });
});

describe('pid: a local Node.js process through its inspector', () => {
  it('refuses every pid while the allow-list is empty, and pids it does not name, saying how to allow them', async () => {
    const child = await start(process.execPath, [TARGET]);
    const empty = await failure(capturePid(child.pid!, { kind: 'cpu', durationMs: 500, maxBytes: 1 << 26 }, { allowed: [] }));
    expect(empty.code).toBe('not_allowed');
    expect(empty.message).toContain('profiling_allowed_processes is empty');
    expect(empty.message).toContain('PERF_ENGINE_PROFILING_ALLOWED_PROCESSES');
    const other = await failure(capturePid(child.pid!, { kind: 'cpu', durationMs: 500, maxBytes: 1 << 26 }, { allowed: ['^order-agent'] }));
    expect(other.code).toBe('not_allowed');
    expect(other.message).toContain(`pid ${child.pid}`);
    const targets = createCaptureTargets({ engineAgentId: 'engine', allowedProcesses: () => [], agentCapture: () => Promise.reject(new Error('unused')) });
    expect(() => targets.check({ pid: child.pid! }, 'cpu')).toThrow(/profiling_allowed_processes/);
    expect(listeningPorts(child.pid!)).toEqual([]);
  });

  it('opens the inspector with SIGUSR1, records CPU and event-loop profiles, then closes it again', async () => {
    const child = await start(process.execPath, ['--inspect-port=0', TARGET]);
    const cpu = await withChildState(child, capturePid(child.pid!, { kind: 'cpu', durationMs: 1000, maxBytes: 1 << 26 }, { allowed: ALLOW_TARGET }));
    expect(cpuHotspots(cpu).slice(0, 4)).toContain('targetHotLoop');
    const loop = await withChildState(child, capturePid(child.pid!, { kind: 'event_loop', durationMs: 1000, maxBytes: 1 << 26 }, { allowed: ALLOW_TARGET }));
    const a = analyzeProfileBytes(loop.raw);
    if (a.kind !== 'event_loop') throw new Error('expected an event-loop report');
    const summary = summarizeEventLoop(a.report);
    expect(summary.longest.length).toBeGreaterThanOrEqual(2);
    expect(summary.longest[0]!.duration_ms).toBeGreaterThan(40);
    // About three 60 ms blocks of targetBlocker fall in the second; on a loaded machine a short
    // step (a major GC in targetAllocate, a descheduled slice) can outlast one, so a blocker block
    // must be among the longest, not necessarily first.
    const blockerBlocks = summary.longest.filter((b) => b.stack.some((f) => f.function === 'targetBlocker'));
    expect(blockerBlocks.length).toBeGreaterThanOrEqual(1);
    expect(blockerBlocks[0]!.duration_ms).toBeGreaterThan(40);
    // Left as found: no listening inspector, still running.
    await new Promise((r) => setTimeout(r, 300));
    expect(listeningPorts(child.pid!)).toEqual([]);
    expect(child.exitCode).toBeNull();
  });

  // Closing the inspector while the engine's session was still attached crashed the target with
  // SIGSEGV in about 3 of 100 captures (so about half of the runs of this test failed); the target
  // now closes it once the connection has gone.
  it('leaves the target alive and its inspector closed after 30 captures in a row', async () => {
    const child = await start(process.execPath, ['--inspect-port=0', TARGET]);
    for (let i = 0; i < 30; i++) {
      await withChildState(child, capturePid(child.pid!, { kind: 'cpu', durationMs: 100, maxBytes: 1 << 26 }, { allowed: ALLOW_TARGET }));
      await new Promise((r) => setTimeout(r, 20));
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the target died after capture ${i + 1}: ${childLogs.get(child)?.ended}`);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(child.signalCode).toBeNull();
    expect(child.exitCode).toBeNull();
    expect(listeningPorts(child.pid!)).toEqual([]);
  });

  it('refuses with port_in_use when the default inspector port is taken, rather than signalling', async () => {
    const server: Server | null = await new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(null));
      s.listen(9229, '127.0.0.1', () => resolve(s));
    });
    try {
      const child = await start(process.execPath, [TARGET]);
      const err = await failure(capturePid(child.pid!, { kind: 'cpu', durationMs: 500, maxBytes: 1 << 26 }, { allowed: ALLOW_TARGET }));
      expect(err.code).toBe('port_in_use');
      expect(err.message).toContain('--inspect-port=0');
      expect(child.exitCode).toBeNull();
    } finally {
      server?.close();
    }
  });
});

describe('pid: a native process with perf', () => {
  it('says perf is missing and names the Debian package when PATH has no perf', async () => {
    const child = await start('sleep', ['60'], false);
    const err = await failure(capturePid(child.pid!, { kind: 'cpu', durationMs: 500, maxBytes: 1 << 26 }, { allowed: ['^sleep$'], pathEnv: '/nonexistent' }));
    expect(err.code).toBe('tool_missing');
    expect(err.message).toContain('perf is not installed');
    expect(err.message).toContain('linux-perf');
    const heap = await failure(capturePid(child.pid!, { kind: 'heap', durationMs: 500, maxBytes: 1 << 26 }, { allowed: ['^sleep$'] }));
    expect(heap.code).toBe('unsupported');
    // sleep does not handle SIGUSR1: it must still be alive.
    expect(child.exitCode).toBeNull();
  });

  const perf = findExecutable('perf');
  const perfWorks = perf !== null && spawnSync(perf, ['record', '-q', '-e', 'cpu-clock', '-o', '/dev/null', '--', 'true']).status === 0;
  it.skipIf(!perfWorks)(`records a CPU profile of a busy shell loop with perf (${perf ?? 'perf not installed: skipped'})`, async () => {
    const child = await start('sh', ['-c', 'while :; do :; done'], false);
    const captured = await capturePid(child.pid!, { kind: 'cpu', durationMs: 1000, maxBytes: 1 << 26 }, { allowed: ['^sh$'] });
    expect(captured.extra).toMatchObject({ tool: 'perf', event: 'cpu-clock' });
    const a = analyzeProfileBytes(captured.raw, { top: 5 });
    if (a.kind !== 'cpu') throw new Error('expected a CPU profile');
    expect(a.analysis.report.sample_count).toBeGreaterThan(100);
    expect(a.analysis.report.hotspots.some((h) => /dash|\/sh$|bash/.test(h.url))).toBe(true);
  });
});
