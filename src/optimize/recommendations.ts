import type { BottleneckKind } from '../model/bottleneck.js';
import type { Severity } from '../model/severity.js';

/**
 * A recommended action (PROTOCOL.md): what to do, with what parameters, and why. Where it means an
 * action of the closed set (OPTIMIZATION_ACTIONS) it has that name; others are free advice.
 */
export interface Recommendation {
  readonly action: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly rationale: string;
}

/** What the rules know of a bottleneck. */
export interface RecommendationContext {
  readonly source: string;
  /** `agent` (an SDK agent, profilable in process), `process` or `host`. */
  readonly scope: 'agent' | 'process' | 'host';
  readonly severity: Severity;
  /** Main metric and its value / baseline / ratio, and the finding's facts (shares, times to exhaustion, label changes). */
  readonly metric: string;
  readonly value: number | null;
  readonly baseline: number | null;
  readonly facts: Readonly<Record<string, number | string>>;
  /** Event time of the detection (epoch ms). */
  readonly at: number;
}

type Rule = (c: RecommendationContext) => Recommendation[];

const profile = (c: RecommendationContext, kind: 'cpu' | 'heap' | 'event_loop', seconds: number, rationale: string): Recommendation[] =>
  c.scope === 'agent' ? [{ action: 'profile', params: { target: { agent_id: c.source }, kind, duration_seconds: seconds }, rationale }] : [];

const fact = (c: RecommendationContext, key: string): number => Number(c.facts[key]);

/** The rules per kind, most useful action first. */
const RULES: Readonly<Record<BottleneckKind, Rule>> = {
  cpu_saturation: (c) => [
    ...profile(c, 'cpu', 30, 'a CPU profile while the loop is saturated names the functions that use it'),
    {
      action: 'scale_out',
      params: { source: c.source, add_instances: 1, target_utilization: 0.7 },
      rationale: c.scope === 'agent' ? 'a Node.js agent runs JavaScript on one thread: more instances, not a bigger machine, add capacity' : 'spread the load over more instances',
    },
    {
      action: 'set_cpu_limit',
      params: { source: c.source, factor: 1.5 },
      rationale: c.facts.saturated === 'cgroup_limit' ? 'the process is throttled by its cgroup CPU quota' : 'more CPU helps when worker threads or other processes compete for the cores',
    },
  ],
  memory_leak: (c) => {
    const eta = fact(c, 'time_to_exhaustion_seconds');
    const restart: Recommendation[] = Number.isFinite(eta)
      ? [{ action: 'restart_before_exhaustion', params: { source: c.source, before: new Date(c.at + eta * 1000 * 0.8).toISOString(), exhaustion_at: c.facts.exhaustion_at }, rationale: `memory grows steadily and reaches its limit in about ${Math.round(eta / 60)} min; a planned restart avoids an OOM kill` }]
      : [{ action: 'restart_before_exhaustion', params: { source: c.source }, rationale: 'memory grows steadily; restart at a quiet time until the leak is fixed' }];
    return [
      ...profile(c, 'heap', 60, 'a sampling heap profile shows the allocation sites whose objects are retained'),
      ...restart,
      { action: 'compare_heap_snapshots', params: { source: c.source, interval_seconds: 300 }, rationale: 'two heap snapshots minutes apart show which object types keep growing (caches without eviction, listeners, closures)' },
    ];
  },
  memory_pressure: (c) => [
    { action: 'set_memory_limit', params: { source: c.source, factor: 1.25 }, rationale: 'memory is near its limit; the kernel reclaims pages or the OOM killer ends the process' },
    ...profile(c, 'heap', 30, 'a heap profile shows what holds the memory'),
    { action: 'reduce_cache_sizes', params: { source: c.source }, rationale: 'bounded caches and smaller buffers lower the steady memory use' },
    ...(c.scope === 'agent' ? [{ action: 'set_max_old_space_size', params: { source: c.source, fraction_of_limit: 0.75 }, rationale: 'V8 should collect before the container limit is hit, not after' }] : []),
  ],
  disk_io_saturation: (c) => [
    { action: 'batch_writes', params: { source: c.source, fsync: 'per_batch' }, rationale: 'an fsync per write makes every write wait for the device; batching keeps durability at a fraction of the I/O' },
    ...profile(c, 'cpu', 30, 'a CPU profile shows which code paths issue the I/O'),
    { action: 'move_to_faster_storage', params: { source: c.source }, rationale: 'the device is at its throughput or IOPS limit' },
  ],
  network_saturation: (c) => [
    { action: 'compress_payloads', params: { source: c.source, algorithm: 'gzip' }, rationale: 'traffic is far above its baseline while CPU is not: fewer bytes relieve the link' },
    { action: 'batch_messages', params: { source: c.source }, rationale: 'fewer, larger messages cut per-message overhead' },
    { action: 'check_link_capacity', params: { source: c.source, direction: c.metric.includes('_tx_') ? 'tx' : 'rx' }, rationale: 'compare the rate with the interface or bandwidth limit' },
  ],
  event_loop_blocked: (c) => [
    ...profile(c, 'event_loop', 30, 'an event-loop report during the blocks gives their length and the stacks that held the loop'),
    ...profile(c, 'cpu', 30, 'a CPU profile during a block names the synchronous function'),
    { action: 'move_off_event_loop', params: { source: c.source, to: 'worker_threads' }, rationale: 'long synchronous work (parsing, crypto, report building) belongs in a worker thread or in chunks yielding with setImmediate' },
  ],
  gc_pressure: (c) => [
    ...profile(c, 'heap', 30, 'a sampling heap profile shows the allocation hot spots'),
    { action: 'reduce_allocation_churn', params: { source: c.source }, rationale: 'fewer short-lived objects (reuse buffers, avoid intermediate arrays and string concatenation in hot paths) mean fewer collections' },
    { action: 'tune_young_generation', params: { source: c.source, node_option: '--max-semi-space-size=64' }, rationale: 'a larger young generation lets short-lived objects die without being promoted and collected again' },
  ],
  slow_db_query: (c) => [
    { action: 'inspect_pg_stat_statements', params: { query: 'SELECT query, calls, mean_exec_time, rows FROM pg_stat_statements ORDER BY mean_exec_time DESC LIMIT 10' }, rationale: 'names the statements whose time rose' },
    { action: 'explain_analyze', params: { source: c.source }, rationale: 'a sequential scan on a large table shows the missing index' },
    { action: 'add_index', params: { source: c.source }, rationale: 'an index on the filtered column turns the scan into a lookup' },
    ...(fact(c, 'db_ratio') >= 10 ? [{ action: 'check_locks', params: { query: 'SELECT * FROM pg_locks WHERE NOT granted' }, rationale: 'a tenfold slowdown may be lock waits rather than a plan' }] : []),
  ],
  latency_regression: (c) => {
    const labels = Object.entries(c.facts).filter(([k]) => k.startsWith('label_'));
    return [
      ...(labels.length > 0 ? [{ action: 'rollback', params: { source: c.source, labels: Object.fromEntries(labels.map(([k, v]) => [k.slice(6), v])) }, rationale: 'latency rose when the labels changed (a deployment); roll back, then compare the versions' }] : []),
      ...profile(c, 'cpu', 30, 'a CPU profile of the handler shows where its time goes when it is spent computing'),
      { action: 'trace_downstream_calls', params: { source: c.source }, rationale: 'CPU, event loop and queries are unchanged, so the time is spent waiting: look for new or serial downstream calls' },
    ];
  },
  anomaly: (c) => [
    { action: 'investigate', params: { source: c.source, metric: c.metric }, rationale: 'a significant departure that no known bottleneck explains' },
    ...profile(c, 'cpu', 10, 'a short CPU profile gives a first look'),
  ],
};

/** Recommendations for a bottleneck of `kind` (the optimization stage extends these rules). */
export function recommendationsFor(kind: BottleneckKind, c: RecommendationContext): Recommendation[] {
  return RULES[kind](c);
}
