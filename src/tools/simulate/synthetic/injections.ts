import type { BottleneckKind } from '../../../model/bottleneck.js';
import type { Random } from './random.js';

/** Kinds the generator injects (the closed set without the `anomaly` fallback). */
export const INJECTED_KINDS = [
  'cpu_saturation',
  'memory_leak',
  'memory_pressure',
  'disk_io_saturation',
  'network_saturation',
  'event_loop_blocked',
  'gc_pressure',
  'slow_db_query',
  'latency_regression',
] as const satisfies readonly BottleneckKind[];
/** A kind the generator injects. */
export type InjectedKind = (typeof INJECTED_KINDS)[number];

/** How an episode changes an agent's figures at one instant (neutral values change nothing). */
export interface AgentEffects {
  /** Event-loop utilisation pinned in [0.93, 1] (CPU-bound work beyond capacity). */
  saturate: boolean;
  /** Extra busy share of the loop (synchronous work). */
  extraElu: number;
  latencyMul: number;
  latencyAddMs: number;
  dbMul: number;
  heapAddBytes: number;
  heapChurnMul: number;
  gcShareAdd: number;
  /** Event-loop delay p99 at least this (ms), 0 for none. */
  loopDelayMs: number;
  diskWriteAdd: number;
  netTxMul: number;
  netRxMul: number;
  /** memory_usage pinned near this percentage of the limit, or null. */
  memoryUsagePct: number | null;
  queueMul: number;
  cpuMul: number;
  /** Label `version` while the episode lasts, or null. */
  version: string | null;
}

/** How an episode changes its host's figures. */
export interface HostEffects {
  diskUtil: number | null;
  awaitMul: number;
  ioPressure: number;
  iowait: number;
  availableShare: number | null;
  memoryPressure: number;
  swapAddBytes: number;
}

/** Neutral agent effects. */
export function noAgentEffects(): AgentEffects {
  return { saturate: false, extraElu: 0, latencyMul: 1, latencyAddMs: 0, dbMul: 1, heapAddBytes: 0, heapChurnMul: 1, gcShareAdd: 0, loopDelayMs: 0, diskWriteAdd: 0, netTxMul: 1, netRxMul: 1, memoryUsagePct: null, queueMul: 1, cpuMul: 1, version: null };
}

/** Neutral host effects. */
export function noHostEffects(): HostEffects {
  return { diskUtil: null, awaitMul: 1, ioPressure: 0, iowait: 0, availableShare: null, memoryPressure: 0, swapAddBytes: 0 };
}

/** An injected episode: its kind, where, when, and its own random sizes (drawn once). */
export interface Injection {
  readonly kind: InjectedKind;
  /** Agent index, or -1 when the host itself is the cause (host memory pressure). */
  readonly agent: number;
  readonly host: number;
  readonly start: number;
  readonly end: number;
  /** Size factor (the bench's injection size times a per-episode draw). */
  readonly size: number;
  /** Per-episode draws used by the effect functions. */
  readonly draw: readonly number[];
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * The figures of the agent at the centre of an episode, `sinceMs` after its onset: each kind as it
 * shows in a real Node.js agent (PROTOCOL.md names), ramping in over about one interval.
 * `heapBase` and `limitBytes` scale the memory kinds.
 */
export function agentEffects(inj: Injection, sinceMs: number, intervalMs: number, rng: Random, heapBase: number): AgentEffects {
  const e = noAgentEffects();
  const ramp = clamp(sinceMs / Math.max(1, intervalMs), 0.3, 1);
  const s = inj.size;
  const d = inj.draw;
  const minutes = sinceMs / 60_000;
  switch (inj.kind) {
    case 'cpu_saturation':
      e.saturate = ramp >= 0.6;
      e.extraElu = 0.5 * ramp;
      e.latencyMul = 1 + ramp * (2 + d[0]! * 6 * s) * (1 + 0.1 * minutes);
      e.queueMul = 5 + 30 * d[1]! * s;
      e.loopDelayMs = 20 + 80 * d[2]!;
      break;
    case 'memory_leak': {
      const growthPerMin = (0.04 + 0.12 * d[0]!) * s;
      e.heapAddBytes = heapBase * growthPerMin * minutes;
      e.gcShareAdd = 0.004 * (e.heapAddBytes / heapBase);
      break;
    }
    case 'memory_pressure':
      e.memoryUsagePct = 90.5 + ramp * (2 + 5 * d[0]! * Math.min(1.2, s));
      e.gcShareAdd = ramp * (0.01 + 0.03 * d[1]!);
      e.latencyMul = 1 + ramp * 0.4 * d[2]!;
      break;
    case 'disk_io_saturation':
      e.diskWriteAdd = ramp * (20 + 120 * d[0]! * s) * 1024 * 1024;
      e.latencyMul = 1 + ramp * (0.5 + 2 * d[1]! * s);
      e.cpuMul = 1.1;
      break;
    case 'network_saturation':
      if (d[2]! < 0.6) e.netTxMul = 1 + ramp * (10 + 40 * d[0]! * s);
      else e.netRxMul = 1 + ramp * (10 + 40 * d[0]! * s);
      e.latencyMul = 1 + ramp * (0.5 + 2.5 * d[1]! * s);
      e.cpuMul = 1.15;
      break;
    case 'event_loop_blocked':
      e.loopDelayMs = ramp * (150 + 1200 * d[0]! * s) * (rng.chance(0.15) ? 0.3 : 1);
      // A third of the blocks are heavy: they take most of the loop, which then also reads as saturated.
      e.extraElu = ramp * (0.08 + 0.2 * d[1]! + (d[3]! < 1 / 3 ? 0.3 + 0.2 * d[4]! : 0));
      e.latencyMul = 1 + ramp * (1 + 6 * d[2]! * s);
      break;
    case 'gc_pressure':
      e.gcShareAdd = ramp * (0.1 + 0.25 * d[0]! * s);
      e.heapChurnMul = 1 + ramp * (3 + 6 * d[1]!);
      e.extraElu = e.gcShareAdd;
      e.latencyMul = 1 + ramp * (0.3 + 1.5 * d[2]!);
      e.loopDelayMs = ramp * (20 + 80 * d[2]!);
      break;
    case 'slow_db_query':
      e.dbMul = 1 + ramp * (3 + 25 * d[0]! * s);
      e.queueMul = 1 + ramp * 3;
      break;
    case 'latency_regression':
      e.latencyMul = 1 + ramp * (0.8 + 3 * d[0]! * s);
      e.queueMul = 1 + ramp * 2;
      if (d[1]! < 0.7) e.version = 'v2.0.0-rc';
      break;
  }
  return e;
}

/** The figures of the host of an episode (its disk, its memory), for the kinds that reach the host. */
export function hostEffects(inj: Injection, sinceMs: number, intervalMs: number): HostEffects {
  const h = noHostEffects();
  const ramp = clamp(sinceMs / Math.max(1, intervalMs), 0.3, 1);
  const d = inj.draw;
  if (inj.kind === 'disk_io_saturation') {
    h.diskUtil = 80 + ramp * (15 + 5 * d[3]!);
    h.awaitMul = 1 + ramp * (4 + 12 * d[4]!);
    h.ioPressure = ramp * (20 + 40 * d[3]!);
    h.iowait = ramp * (8 + 20 * d[4]!);
  }
  if (inj.kind === 'memory_pressure' && inj.agent < 0) {
    h.availableShare = 0.04 - 0.025 * ramp * d[3]!;
    h.memoryPressure = ramp * (15 + 30 * d[4]!);
    h.swapAddBytes = ramp * (1 + 3 * d[3]!) * 1024 ** 3;
  }
  return h;
}

/** What an episode on the host (host memory pressure) does to the agents on it: slower, page faults. */
export function victimEffects(inj: Injection, sinceMs: number, intervalMs: number): AgentEffects {
  const e = noAgentEffects();
  if (inj.kind === 'memory_pressure' && inj.agent < 0) {
    const ramp = clamp(sinceMs / Math.max(1, intervalMs), 0.3, 1);
    e.latencyMul = 1 + ramp * (0.3 + 1.5 * inj.draw[2]!);
  }
  return e;
}
