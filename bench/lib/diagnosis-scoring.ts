/** One injected or scenario episode: what diagnosis should name, where, when (epoch ms). */
export interface TruthEpisode {
  readonly kind: string;
  readonly source: string;
  readonly start: number;
  readonly end: number;
  /** Free label for grouping results (a scenario name). */
  readonly label?: string;
}

/** A published bottleneck as the bench saw it. */
export interface SeenBottleneck {
  readonly id: string;
  readonly kind: string;
  readonly source: string;
  readonly startedAt: number;
  readonly detectedAt: number;
}

/** The verdict on one episode. */
export interface EpisodeScore {
  readonly truth: TruthEpisode;
  /** The first bottleneck on the episode's source during it, or null. */
  readonly found: SeenBottleneck | null;
  readonly rightKind: boolean;
  /** detected_at minus the episode's onset, ms (NaN when not found). */
  readonly latencyMs: number;
  readonly inTime: boolean;
}

/** The verdict on a run. */
export interface RunScore {
  readonly episodes: readonly EpisodeScore[];
  /** Bottlenecks that match no episode (wrong source, or outside every episode). */
  readonly falsePositives: readonly SeenBottleneck[];
  /** Further bottlenecks on an episode's source during it (a second kind, or the same one again). */
  readonly extras: readonly SeenBottleneck[];
}

/**
 * Scores bottlenecks against ground truth. An episode is matched by the first bottleneck on its
 * source detected during it (until `graceMs` after its end); it is right when the kind is, and in
 * time when detected within `latencyTargetMs` of its onset (two monitoring intervals plus the
 * hold). Every other bottleneck is a false positive, or an extra when it falls in an episode of
 * its source.
 */
export function scoreRun(truth: readonly TruthEpisode[], seen: readonly SeenBottleneck[], latencyTargetMs: number, graceMs: number): RunScore {
  const used = new Set<string>();
  const extras: SeenBottleneck[] = [];
  const episodes = truth.map((t): EpisodeScore => {
    const during = seen.filter((b) => b.source === t.source && b.detectedAt >= t.start && b.detectedAt <= t.end + graceMs).sort((a, b) => a.detectedAt - b.detectedAt);
    for (const b of during) used.add(b.id);
    extras.push(...during.slice(1));
    const found = during[0] ?? null;
    const latencyMs = found ? found.detectedAt - t.start : Number.NaN;
    return { truth: t, found, rightKind: found?.kind === t.kind, latencyMs, inTime: found !== null && latencyMs <= latencyTargetMs };
  });
  return { episodes, falsePositives: seen.filter((b) => !used.has(b.id)), extras };
}

/** Share of episodes diagnosed with the right kind on the right source (and, with `inTime`, in time). */
export function accuracy(scores: readonly EpisodeScore[], inTime = false): number {
  if (scores.length === 0) return Number.NaN;
  return scores.filter((s) => s.rightKind && (!inTime || s.inTime)).length / scores.length;
}

/** Per-label rows: episodes, right kind, in time, median latency. */
export function byLabel(scores: readonly EpisodeScore[]): { label: string; episodes: number; right: number; inTime: number; medianLatencyS: number }[] {
  const groups = new Map<string, EpisodeScore[]>();
  for (const s of scores) {
    const label = s.truth.label ?? s.truth.kind;
    groups.set(label, [...(groups.get(label) ?? []), s]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, list]) => {
      const lat = list.filter((s) => s.found).map((s) => s.latencyMs / 1000).sort((a, b) => a - b);
      return { label, episodes: list.length, right: list.filter((s) => s.rightKind).length, inTime: list.filter((s) => s.rightKind && s.inTime).length, medianLatencyS: lat.length > 0 ? lat[lat.length >> 1]! : Number.NaN };
    });
}
