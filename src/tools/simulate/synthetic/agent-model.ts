import type { AgentEffects, HostEffects } from './injections.js';
import type { Random } from './random.js';

const MiB = 1024 * 1024;

/** The fixed traits of one synthetic Node.js agent, drawn once. */
export interface AgentTraits {
  readonly cores: number;
  /** Requests per second at the daily mean. */
  readonly rps: number;
  /** Loop busy share per request per second, and when idle. */
  readonly eluPerRps: number;
  readonly eluIdle: number;
  readonly latencyMs: number;
  readonly dbMs: number;
  readonly heapBytes: number;
  /** Heap sawtooth amplitude as a share of the heap. */
  readonly churn: number;
  readonly limitBytes: number;
  readonly requestBytes: number;
  readonly responseBytes: number;
  readonly errorShare: number;
}

/** Draws an agent's traits: sized so that its daily peak under the largest load step stays below 0.7 utilisation (healthy headroom). */
export function drawTraits(rng: Random, peakLoad: number): AgentTraits {
  const rps = rng.between(20, 200);
  const eluIdle = rng.between(0.01, 0.04);
  const peakElu = rng.between(0.3, 0.65);
  return {
    cores: rng.pick([2, 4, 8]),
    rps,
    eluIdle,
    eluPerRps: (peakElu - eluIdle) / (rps * peakLoad),
    latencyMs: rng.between(8, 60),
    dbMs: rng.between(1, 8),
    heapBytes: rng.between(40, 200) * MiB,
    churn: rng.between(0.05, 0.3),
    limitBytes: rng.pick([1024, 2048, 4096]) * MiB,
    requestBytes: rng.between(500, 4000),
    responseBytes: rng.between(1000, 20000),
    errorShare: rng.between(0, 0.002),
  };
}

/**
 * One agent's figures at one instant, with the fixed names of PROTOCOL.md as the SDK reports
 * them: utilisation follows load (queueing stretches latency as it nears saturation), GC and the
 * heap sawtooth follow allocation, rare single-sample hiccups (a long GC, a slow query, a log
 * rotation, an error burst) appear as in real agents. `effects` bends them for an episode.
 */
export function agentFigures(t: AgentTraits, rng: Random, load: number, intervalMs: number, noise: number, phase: number, e: AgentEffects): Record<string, number> {
  const n = noise;
  const rps = t.rps * load;
  const rho = Math.min(0.7, t.eluIdle + t.eluPerRps * rps);
  let elu = Math.min(1, Math.max(0, rho + e.extraElu + 0.01 * n * rng.normal()));
  if (e.saturate) elu = rng.between(0.93, 1);
  const gcShare = Math.max(0, (0.004 + 0.015 * rho) * rng.logNormal(0.3 * n) + e.gcShareAdd);
  const cpu = Math.min(100, ((100 * (elu * 1.05 + 0.01 + 0.5 * gcShare)) / t.cores) * rng.logNormal(0.05 * n) * e.cpuMul);
  const busy = Math.min(elu, 0.97);
  const queueing = 1 + (0.35 * busy * busy) / (1.02 - busy);
  const db = t.dbMs * (1 + 0.15 * rho) * e.dbMul * rng.logNormal(0.15 * n) * (rng.chance(0.007) ? rng.between(3, 8) : 1);
  const dbExtra = db - t.dbMs * (1 + 0.15 * rho);
  let latency = ((t.latencyMs * queueing + e.latencyAddMs) * e.latencyMul + Math.max(0, dbExtra)) * rng.logNormal(0.12 * n);
  if (rng.chance(0.01)) latency *= rng.between(2, 6);
  let delay = (0.5 + 12 * rho * rho) * rng.logNormal(0.4 * n);
  if (rng.chance(0.007)) delay = rng.between(40, 180);
  if (e.loopDelayMs > 0) delay = Math.max(delay, e.loopDelayMs * rng.logNormal(0.25));
  const saw = ((phase % 1) + 1) % 1;
  const heapBase = t.heapBytes * (1 + 0.15 * rho);
  const heap = heapBase + t.heapBytes * t.churn * e.heapChurnMul * saw + e.heapAddBytes;
  const heapTotal = (heapBase + t.heapBytes * t.churn * e.heapChurnMul) * 1.3 + e.heapAddBytes * 1.1;
  let rss = heapTotal + 60 * MiB + 4 * MiB * rng.normal();
  let usage = (100 * rss) / t.limitBytes;
  if (e.memoryUsagePct !== null) {
    usage = Math.min(99.5, e.memoryUsagePct + 0.6 * rng.normal());
    rss = (usage / 100) * t.limitBytes;
  }
  const queue = ((busy / (1 - busy)) * 0.6 * e.queueMul * rng.logNormal(0.2 * n)) * (e.saturate ? 1 + rng.next() : 1);
  const errors = rng.chance(0.002) ? rng.between(2, 6) : rps * t.errorShare * rng.logNormal(0.5);
  const disk = rps * 400 * rng.logNormal(0.3 * n) * (rng.chance(0.005) ? 20 : 1) + e.diskWriteAdd;
  return {
    cpu_usage: round(cpu, 3),
    memory_usage: round(usage, 3),
    memory_rss_bytes: Math.round(rss),
    heap_used_bytes: Math.round(heap),
    heap_total_bytes: Math.round(heapTotal),
    event_loop_delay_p99_ms: round(delay, 3),
    event_loop_utilization: round(elu, 4),
    gc_pause_ms: round(gcShare * intervalMs, 3),
    handler_latency_p95_ms: round(latency, 3),
    queue_depth: round(queue, 3),
    error_rate: round(errors, 4),
    disk_read_bytes_per_sec: Math.round(2000 * rng.logNormal(0.8)),
    disk_write_bytes_per_sec: Math.round(disk),
    network_rx_bytes_per_sec: Math.round(rps * t.requestBytes * rng.logNormal(0.1 * n) * e.netRxMul),
    network_tx_bytes_per_sec: Math.round(rps * t.responseBytes * rng.logNormal(0.1 * n) * e.netTxMul),
    db_query_p95_ms: round(db, 3),
  };
}

/** The host's figures from its agents' (sums and shares) plus its own devices, bent by `h`. */
export function hostFigures(agents: readonly { traits: AgentTraits; figures: Record<string, number> }[], rng: Random, noise: number, h: HostEffects): Record<string, number> {
  const cores = 16;
  const totalMem = 64 * 1024 * MiB;
  let cpu = 6 * rng.logNormal(0.2 * noise);
  let rss = 0;
  let rx = 0;
  let tx = 0;
  let writes = 200 * 1024;
  for (const a of agents) {
    cpu += (a.figures.cpu_usage! * a.traits.cores) / cores;
    rss += a.figures.memory_rss_bytes!;
    rx += a.figures.network_rx_bytes_per_sec!;
    tx += a.figures.network_tx_bytes_per_sec!;
    writes += a.figures.disk_write_bytes_per_sec!;
  }
  const used = 0.3 * totalMem + rss;
  const available = h.availableShare !== null ? h.availableShare * totalMem : totalMem - used;
  const util = h.diskUtil !== null ? Math.min(100, h.diskUtil + 2 * rng.normal()) : Math.min(100, (3 + writes / (8 * MiB)) * rng.logNormal(0.4 * noise) + (rng.chance(0.005) ? 40 : 0));
  return {
    cpu_usage: round(Math.min(100, cpu), 3),
    cpu_cores: cores,
    cpu_iowait_pct: round(0.5 * rng.logNormal(0.5) + h.iowait, 3),
    load_1m: round((cpu / 100) * cores * rng.logNormal(0.1), 2),
    memory_total_bytes: totalMem,
    memory_available_bytes: Math.round(available),
    memory_usage: round((100 * (totalMem - available)) / totalMem, 3),
    swap_used_bytes: Math.round(64 * MiB + h.swapAddBytes),
    pressure_cpu_some_pct: round(0.5 + cpu / 30, 3),
    pressure_memory_some_pct: round(0.05 * rng.logNormal(1) + h.memoryPressure, 3),
    pressure_io_some_pct: round(0.3 * rng.logNormal(0.8) + h.ioPressure, 3),
    disk_util: round(util, 3),
    disk_read_bytes_per_sec: Math.round(50 * 1024 * rng.logNormal(0.8)),
    disk_write_bytes_per_sec: Math.round(writes),
    network_rx_bytes_per_sec: Math.round(rx),
    network_tx_bytes_per_sec: Math.round(tx),
  };
}

function round(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}
