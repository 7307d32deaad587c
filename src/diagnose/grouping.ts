import type { BottleneckKind } from '../model/bottleneck.js';
import type { SourceScope } from './diagnostic-metrics.js';
import type { Finding } from './finding.js';

/** Kinds of a shared resource of a host: a host or process showing one defers to the agent on that host that consumes it. */
export const HOST_RESOURCE_KINDS: ReadonlySet<BottleneckKind> = new Set<BottleneckKind>([
  'cpu_saturation',
  'memory_pressure',
  'memory_leak',
  'disk_io_saturation',
  'network_saturation',
]);

/** Kinds of a dependency shared by every source (one database): several sources showing one are one bottleneck. */
export const SHARED_KINDS: ReadonlySet<BottleneckKind> = new Set<BottleneckKind>(['slow_db_query']);

/**
 * Kinds an agent shows as the victim of a resource bottleneck on its host: unspecific waiting.
 * A blocked loop (its signature needs the agent's own CPU to rise) and slow queries (the agent
 * issuing them may be what loads the host) are the agent's own.
 */
export const VICTIM_KINDS: ReadonlySet<BottleneckKind> = new Set<BottleneckKind>(['latency_regression', 'anomaly']);

/** Kinds whose bottleneck slows its neighbours: any saturation of the host itself, a disk or link an agent saturates. */
const NEIGHBOUR_CAUSES: Readonly<Record<SourceScope, ReadonlySet<BottleneckKind>>> = {
  host: new Set<BottleneckKind>(['cpu_saturation', 'memory_pressure', 'disk_io_saturation', 'network_saturation']),
  process: new Set<BottleneckKind>(['disk_io_saturation', 'network_saturation']),
  agent: new Set<BottleneckKind>(['disk_io_saturation', 'network_saturation']),
};

/** Rank of a scope as a root cause: an agent is the most specific, a host the least. */
const SCOPE_RANK: Readonly<Record<SourceScope, number>> = { agent: 2, process: 1, host: 0 };

/** A source's signature of one kind, pending or open, as grouping sees it. */
export interface GroupMember {
  readonly source: string;
  readonly scope: SourceScope;
  /** The host it runs on (a host's own is itself), or null. */
  readonly host: string | null;
  readonly kind: BottleneckKind;
  /** How strongly it shows: the main metric's ratio to its baseline (1 when unknown). */
  readonly strength: number;
  /** Onset (event time). */
  readonly since: number;
  /** Whether its bottleneck is open (else pending). */
  readonly active: boolean;
  /**
   * Whether it shows now: its signature matched within its latest few intervals (a signature can
   * outlive what it described, e.g. when its source stopped reporting, until a frame drops it).
   */
  readonly degraded: boolean;
}

/** How a source attached to another's bottleneck takes part in it. */
export type Attachment = 'same_cause' | 'host_resource' | 'affected';

/** What to do with a mature signature. */
export type GroupDecision = { readonly action: 'open' } | { readonly action: 'defer' } | { readonly action: 'attach'; readonly root: string; readonly relation: Attachment };

/** The strength of a finding for grouping: its main metric's ratio, or 1. */
export function strengthOf(f: Finding): number {
  const r = f.metrics[f.metric]?.ratio;
  const shared = Number(f.facts.db_ratio);
  return Number.isFinite(shared) ? shared : r !== null && r !== undefined && Number.isFinite(r) ? r : 1;
}

const onHostOf = (self: GroupMember, other: GroupMember) => {
  const host = self.scope === 'host' ? self.source : self.host;
  return host !== null && (other.host === host || other.source === host) && other.source !== self.source;
};

const strongest = (members: readonly GroupMember[]) => members.reduce((a, b) => (b.strength > a.strength ? b : a));

/**
 * Decides, Watchdog-style, whether a mature signature is its source's own bottleneck or part of
 * another's. A host or watched process showing a resource kind also shown by a more specific
 * source on the same host (the agent consuming it) is that source's evidence: attach when its
 * bottleneck is open, wait while it is pending. An agent that only waits (its latency rises, nothing
 * else of its own) while its host is saturated, or a disk or link on it is, since before it began,
 * is affected by that bottleneck (an agent's own leak or busy loop does not slow its neighbours). Sources showing a shared kind (slow queries on the common database) form one
 * bottleneck on the strongest: attach to an open one, wait for a stronger pending one. A wait
 * longer than `maxDeferMs` opens anyway.
 */
export function groupDecision(self: GroupMember, others: readonly GroupMember[], deferredMs: number, maxDeferMs: number): GroupDecision {
  const waiting = deferredMs < maxDeferMs;
  const same = others.filter((o) => o.kind === self.kind && o.source !== self.source);
  if (HOST_RESOURCE_KINDS.has(self.kind) && self.scope !== 'agent') {
    const above = same.filter((o) => SCOPE_RANK[o.scope] > SCOPE_RANK[self.scope] && onHostOf(self, o));
    const open = above.filter((o) => o.active);
    if (open.length > 0) return { action: 'attach', root: strongest(open).source, relation: 'host_resource' };
    if (above.length > 0 && waiting) return { action: 'defer' };
  }
  if (VICTIM_KINDS.has(self.kind) && self.scope === 'agent') {
    const causes = others.filter((o) => NEIGHBOUR_CAUSES[o.scope].has(o.kind) && onHostOf(self, o) && o.since <= self.since + maxDeferMs);
    const open = causes.filter((o) => o.active);
    if (open.length > 0) return { action: 'attach', root: strongest(open).source, relation: 'affected' };
    if (causes.length > 0 && waiting) return { action: 'defer' };
  }
  if (SHARED_KINDS.has(self.kind)) {
    const open = same.filter((o) => o.active);
    if (open.length > 0) return { action: 'attach', root: strongest(open).source, relation: 'same_cause' };
    const stronger = same.filter((o) => o.strength > self.strength);
    if (stronger.length > 0 && waiting) return { action: 'defer' };
  }
  return { action: 'open' };
}

/**
 * Where the other sources that can change the decision on `self` (and, for a host, the list of
 * affected sources on it) are: on the host `self` runs on (or is), or anywhere, for a kind shared
 * by every source. `none` when no rule of {@link groupDecision} applies, so that it opens without
 * looking at any other source: most signatures, and a frame with many sources pending, need no scan.
 */
export function groupScope(self: GroupMember): { readonly where: 'none' } | { readonly where: 'host'; readonly host: string } | { readonly where: 'all' } {
  if (SHARED_KINDS.has(self.kind)) return { where: 'all' };
  const host = self.scope === 'host' ? self.source : self.host;
  if (host === null) return { where: 'none' };
  const hostRule = HOST_RESOURCE_KINDS.has(self.kind) && self.scope !== 'agent';
  const victimRule = VICTIM_KINDS.has(self.kind) && self.scope === 'agent';
  return hostRule || victimRule || self.scope === 'host' ? { where: 'host', host } : { where: 'none' };
}

/**
 * Sources on a host affected while the host itself is the root cause: members on that host with
 * a pending or open signature that shows now (degraded), strongest first.
 */
export function affectedOnHost(hostSource: string, members: readonly GroupMember[]): GroupMember[] {
  return members.filter((m) => m.source !== hostSource && m.host === hostSource && m.degraded).sort((a, b) => b.strength - a.strength);
}
