import { strengthOf, type GroupMember } from './grouping.js';
import { reportingWindow } from './source-tracker.js';
import type { SourceInfo, SourceWatch } from './source-watch.js';

/**
 * The signatures of the watched sources other than `except`, at event time `ts`, as grouping sees
 * them: each open bottleneck and pending signature, degraded when it matched within the source's
 * reporting window. Sources no longer reporting are left out: a stopped source keeps what it had
 * pending or open until the stale sweep, and is neither a root cause nor affected by one. With
 * `onHost`, only the sources on that host and the host itself.
 */
export function groupMembers(watches: Iterable<SourceWatch>, infoOf: (source: string) => SourceInfo | undefined, except: string, ts: number, holdMs: number, onHost: string | null = null): GroupMember[] {
  const out: GroupMember[] = [];
  for (const w of watches) {
    // A watch with nothing pending or open gives no member.
    if (w.source === except || (w.episodes.active === null && w.episodes.pending.size === 0)) continue;
    const info = infoOf(w.source);
    if (info === undefined || (onHost !== null && w.source !== onHost && info.host !== onHost)) continue;
    const within = reportingWindow(info, holdMs);
    if (ts - info.lastTs > within) continue;
    const base = { source: w.source, scope: info.scope, host: info.host };
    const a = w.episodes.active;
    if (a) out.push({ ...base, kind: a.kind, strength: strengthOf(a.latest), since: a.startedAt, active: true, degraded: a.firstMissAt === null && ts - a.lastHit <= within });
    for (const pe of w.episodes.pending.values()) out.push({ ...base, kind: pe.kind, strength: strengthOf(pe.latest), since: pe.since, active: false, degraded: ts - pe.lastHit <= within });
  }
  return out;
}
