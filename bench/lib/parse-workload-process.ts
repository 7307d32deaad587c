import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The workload script (plain JavaScript, so `node --cpu-prof` runs it as it is). */
export const PARSE_WORKLOAD = fileURLToPath(new URL('./parse-workload.mjs', import.meta.url));

/** The workloads of parse-workload.mjs. */
export type WorkloadMode = 'yaml' | 'yaml-small' | 'acorn';

/** A throughput report of the workload: parses since the steady phase began, at `t_us`. */
export interface WorkloadTick {
  readonly t_us: number;
  readonly parses: number;
  readonly max_gap_ms: number;
}

/** A running workload process. */
export interface WorkloadProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Start of the steady phase, microseconds on the clock of V8 profiles. */
  readonly steadyUs: number;
  readonly ticks: WorkloadTick[];
  /** Resolves with the parses of the steady phase when the process ends. */
  readonly done: Promise<number>;
}

/** Starts `node [nodeArgs] parse-workload.mjs mode warmupMs runMs` and resolves once its steady phase begins. */
export function startParseWorkload(nodeArgs: readonly string[], mode: WorkloadMode, warmupMs: number, runMs: number): Promise<WorkloadProcess> {
  const child = spawn(process.execPath, [...nodeArgs, PARSE_WORKLOAD, mode, String(warmupMs), String(runMs)], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const ticks: WorkloadTick[] = [];
  let total = -1;
  const done = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && total >= 0 ? resolve(total) : reject(new Error(`workload exited with ${code}`))));
  });
  // A caller that kills the workload early does not wait for `done`; its rejection is then expected.
  done.catch(() => undefined);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = JSON.parse(line) as Partial<WorkloadTick> & { steady_us?: number; done?: boolean; parses?: number };
      if (m.steady_us !== undefined) resolve({ child, pid: child.pid!, steadyUs: m.steady_us, ticks, done });
      else if (m.done) total = m.parses ?? 0;
      else ticks.push(m as WorkloadTick);
    });
  });
}

/** Parses per second between two instants (microseconds), from the workload's ticks. */
export function throughput(ticks: readonly WorkloadTick[], fromUs: number, toUs: number): number {
  const inside = ticks.filter((t) => t.t_us >= fromUs && t.t_us <= toUs);
  if (inside.length < 2) return NaN;
  const a = inside[0]!;
  const b = inside[inside.length - 1]!;
  return ((b.parses - a.parses) * 1e6) / (b.t_us - a.t_us);
}

/** Microseconds on the clock of V8 profiles and of the workload's ticks (`process.hrtime`). */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
