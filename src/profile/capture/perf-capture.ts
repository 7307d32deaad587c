import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ProfileKind } from '../../model/profile.js';
import { CaptureError, DEFAULT_CPU_INTERVAL_US, encodeRaw, type CaptureRequest, type CapturedProfile } from './capture-types.js';
import { PERF_SCRIPT_FIELDS, PerfScriptParser } from './perf-script.js';

/** The first executable called `name` on a PATH string, or null. */
export function findExecutable(name: string, pathEnv = process.env.PATH ?? ''): string | null {
  for (const dir of pathEnv.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here: try the next folder.
    }
  }
  return null;
}

/** Highest sampling frequency the kernel allows (`perf_event_max_sample_rate`). */
function maxSampleRate(): number {
  try {
    const n = Number(readFileSync('/proc/sys/kernel/perf_event_max_sample_rate', 'utf8').trim());
    return Number.isFinite(n) && n > 0 ? n : 100_000;
  } catch {
    return 100_000;
  }
}

/** Runs a command; resolves with its exit code and the end of its stderr. */
function run(cmd: string, args: readonly string[], opts: { timeoutMs: number; signal?: AbortSignal; onLine?: (line: string) => void }): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', opts.onLine ? 'pipe' : 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    if (opts.onLine) createInterface({ input: child.stdout!, crlfDelay: Infinity }).on('line', opts.onLine);
    // SIGINT makes `perf record` stop early and still write what it has.
    const stop = (): boolean => child.kill('SIGINT');
    opts.signal?.addEventListener('abort', stop, { once: true });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new CaptureError('failed', `cannot run ${cmd}: ${err.message}`, { cause: err }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', stop);
      resolve({ code, stderr });
    });
  });
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-2).join(' | ');
}

/**
 * The `perf` executable that can profile a native process for this kind: `unsupported` for
 * anything but `cpu`, `tool_missing` (naming the Debian package) when `perf` is not on `pathEnv`.
 */
export function perfFor(pid: number, label: string, kind: ProfileKind, pathEnv?: string): string {
  if (kind !== 'cpu') {
    throw new CaptureError('unsupported', `pid ${pid} (${label}) is not a Node.js process: only a cpu profile can be recorded, with perf`);
  }
  const perf = findExecutable('perf', pathEnv);
  if (perf === null) {
    throw new CaptureError(
      'tool_missing',
      `perf is not installed (not found on PATH): pid ${pid} (${label}) is not a Node.js process, and native processes are profiled with perf; install the Debian package linux-perf`,
    );
  }
  return perf;
}

/**
 * Records a CPU profile of a native process with Linux `perf` (`perf record -e cpu-clock -g -p PID`,
 * then `perf script` into a V8-shaped profile, see PerfScriptParser). Only `cpu` is supported; a
 * missing `perf` is a `tool_missing` error naming the Debian package. `pathEnv` is where `perf` is
 * looked up (the engine's PATH by default).
 */
export async function capturePerf(pid: number, label: string, req: CaptureRequest, pathEnv?: string): Promise<CapturedProfile> {
  const perf = perfFor(pid, label, req.kind, pathEnv);
  const intervalUs = req.samplingIntervalUs ?? DEFAULT_CPU_INTERVAL_US;
  const hz = Math.max(1, Math.min(maxSampleRate(), Math.round(1e6 / intervalUs)));
  const dir = mkdtempSync(join(tmpdir(), 'perf-engine-perf-'));
  const data = join(dir, 'perf.data');
  try {
    const startedAt = Date.now();
    const t0 = performance.now();
    const seconds = (req.durationMs / 1000).toFixed(3);
    const rec = await run(perf, ['record', '-q', '-e', 'cpu-clock', '-F', String(hz), '-g', '-p', String(pid), '-o', data, '--', 'sleep', seconds], {
      timeoutMs: req.durationMs + 30_000,
      ...(req.signal ? { signal: req.signal } : {}),
    });
    const wallMs = performance.now() - t0;
    if (rec.code !== 0 && !req.signal?.aborted) throw new CaptureError('failed', `perf record failed (exit ${rec.code}): ${lastLines(rec.stderr)}`);
    const parser = new PerfScriptParser();
    const maxSamples = Math.floor(req.maxBytes / 6);
    const script = await run(perf, ['script', '-i', data, '-F', PERF_SCRIPT_FIELDS, '--no-inline'], {
      timeoutMs: 120_000,
      onLine: (line) => {
        if (parser.sampleCount <= maxSamples) parser.push(line);
      },
    });
    if (script.code !== 0) throw new CaptureError('failed', `perf script failed (exit ${script.code}): ${lastLines(script.stderr)}`);
    if (parser.sampleCount > maxSamples) throw new CaptureError('too_large', `perf recorded more than ${maxSamples} samples, beyond the cap of ${req.maxBytes} bytes`);
    const profile = parser.finish();
    return {
      kind: 'cpu',
      format: 'cpuprofile',
      raw: encodeRaw(profile, req.maxBytes),
      startedAt,
      durationMs: wallMs,
      extra: { tool: 'perf', event: 'cpu-clock', frequency_hz: hz, wall_ms: Math.round(wallMs), note: 'on-CPU time only: durations and shares are of CPU time, not wall time' },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
