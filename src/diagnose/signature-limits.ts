/**
 * The levels the signatures use (docs/diagnosis.md explains each). Relative levels are measured
 * against the source's own reference baseline; absolute floors keep a near-zero baseline from
 * turning noise into a large ratio.
 */
export const SIGNATURE_LIMITS = Object.freeze({
  /** Event-loop utilisation of a saturated Node.js agent (its one JavaScript thread is busy), alone or, from `eluBusy`, with queueing. */
  eluSaturated: 0.9,
  eluBusy: 0.8,
  /** ... and by how much it must exceed its reference (an agent always this busy is not a new bottleneck). */
  eluRise: 0.15,
  /** cpu_usage (% of all cores) of a saturated host or multi-threaded process. */
  cpuSaturatedPct: 90,
  cpuRisePct: 15,
  /** Share of time throttled by a cgroup CPU limit, and host CPU pressure (PSI some). */
  throttledPct: 20,
  cpuPressurePct: 30,
  /** Event-loop delay p99 of a blocked loop: at least this, and this many times its reference. */
  loopDelayMs: 100,
  loopDelayRatio: 4,
  /** Delay p99, as a multiple of what utilisation explains by queueing, from which the turns are long: a blocked loop rather than a saturated one. */
  blockOverQueueing: 3,
  /** ... while the loop works more in the frame of the block: CPU up by this factor (or, without CPU, utilisation by this much). */
  blockCpuRatio: 1.3,
  blockEluRise: 0.1,
  /** ... or, below that CPU rise, utilisation up by half the block's share of the interval and at least this much. */
  blockEluFloor: 0.03,
  /** Share of the interval spent in GC pauses, and its rise over the reference share. */
  gcShare: 0.05,
  gcShareRatio: 5,
  /** Above this share of the interval, gc_pause_ms is not GC time within it (a unit error): not judged. */
  gcShareMax: 1.5,
  /** ... and GC's share of the loop's busy time (GC time over event-loop utilisation times the interval). */
  gcCpuShare: 0.1,
  /** GC time over its reference, as a multiple of the heap's growth ratio, from which GC churn rather than a leak is the cause. */
  churnOverLeak: 4,
  /** GC share from which GC explains a saturated loop (share of the busy time). */
  gcExplainsCpu: 0.25,
  /** Leak: growth over the reference (share and spreads), trend fit, frames in the fit, the least growth rate kept up in the last half, and snapshots behind the reference. */
  leakGrowth: 0.1,
  /** ... the growth share on heap_total, which has no sawtooth to outgrow. */
  leakTotalGrowth: 0.05,
  leakSpreads: 5,
  leakFit: 0.85,
  leakFrames: 4,
  leakSteadiness: 0.3,
  leakRefSamples: 40,
  /** memory_usage / cgroup_memory_usage (% of the limit) under pressure, and the rise that makes it new. */
  memoryPct: 90,
  memoryRisePct: 5,
  /** Host memory pressure (PSI some, %) and share of memory still available. */
  memoryPressurePct: 10,
  availableShare: 0.05,
  /** Disk: busiest device utilisation, I/O pressure, iowait (host); a process's bytes per second and rise. */
  diskUtilPct: 90,
  ioPressurePct: 20,
  iowaitPct: 20,
  processDiskBytes: 4 * 1024 * 1024,
  processDiskRatio: 10,
  diskRefFloor: 64 * 1024,
  /** Network: bytes per second, rise over the reference, and over the rise of CPU (load). */
  networkBytes: 1024 * 1024,
  networkRatio: 4,
  networkOverLoad: 2.5,
  networkRefFloor: 64 * 1024,
  /** Database query p95 (median of the latest three frames): rise, spreads and milliseconds above the reference. */
  dbRatio: 2.5,
  dbSpreads: 6,
  dbMinMs: 5,
  /** Handler latency p95 (median of the latest three frames): rise, spreads and milliseconds above the reference. */
  latencyRatio: 1.5,
  latencySpreads: 4,
  latencyMinMs: 5,
  /** What "roughly unchanged" allows a latency regression: ELU rise, CPU rise (points or share), db share of the latency rise. */
  unchangedElu: 0.1,
  unchangedCpuPct: 5,
  unchangedCpuShare: 0.5,
  unchangedDbShare: 0.5,
  /** Latency rise that counts as the user-facing effect of a cause (correlated evidence). */
  latencyEffect: 1.3,
  /** The fallback: errors per second and rise; queue depth and rise. */
  errorRate: 1,
  errorRatio: 5,
  queueDepth: 10,
  queueRatio: 10,
});
