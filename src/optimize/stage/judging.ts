import type { Sample } from '../../model/snapshot.js';
import { DB_STATEMENT_CALLS_PER_SEC } from '../db/statement-series.js';
import { judgeLook, lookTimes, lookWindows, splitWindows, type MetricInput, type Verdict } from '../impact-judge.js';
import type { OptimizationEvent } from '../optimization-machine.js';
import { impactOf, type Judgement, type OptimizationRecord } from '../optimization-record.js';

/** Reads the samples of one series in [fromMs, untilMs], in time order (the metric store, or an advisor's own series). */
export type SeriesReader = (source: string, metric: string, fromMs: number, untilMs: number) => Promise<Sample[]>;

/** The metric that measures a source's load (PROTOCOL.md): judged metrics of a source that publishes it are controlled for it. */
export const LOAD_METRIC = 'handler_calls_per_sec';

/** What judging needs from the stage. */
export interface JudgingContext {
  readonly read: SeriesReader;
  /** Latest event time seen from a source (-Infinity when none since start). */
  watermark(source: string): number;
  /** Wall clock now. */
  readonly wall: number;
  /** Wall time past the end of the after window after which a silent source fails the judgement. */
  readonly maxWaitMs: number;
  /** Called before the first read of a judgement (the stage makes sure what it received is stored). */
  prepare(): Promise<void>;
}

/** The sources whose series judge a change (each metric's own, else the optimization's). */
function sourcesOf(r: OptimizationRecord, j: Judgement): string[] | null {
  const out = new Set<string>();
  for (const e of j.expect) {
    const s = e.source ?? r.source;
    if (s === null) return null;
    out.add(s);
  }
  return [...out];
}

/** Reads every judged metric (and its source's load) for one look. */
async function readLook(r: OptimizationRecord, j: Judgement, lookAt: number, read: SeriesReader): Promise<MetricInput[]> {
  const w = lookWindows(j.at, lookAt, j.settings, j.notBefore ?? -Infinity);
  const loads = new Map<string, Promise<Sample[]>>();
  const loadOf = (source: string) => {
    if (!loads.has(source)) loads.set(source, read(source, LOAD_METRIC, w.before[0], w.after[1]));
    return loads.get(source)!;
  };
  return Promise.all(
    j.expect.map(async (e) => {
      const source = (e.source ?? r.source)!;
      const [values, load] = await Promise.all([read(source, e.metric, w.before[0], w.after[1]), e.metric === LOAD_METRIC ? Promise.resolve([]) : loadOf(source)]);
      return { metric: e.metric, source: e.source ?? null, direction: e.direction, values: splitWindows(values, w), load: load.length > 0 ? splitWindows(load, w) : null };
    }),
  );
}

/**
 * Calls per day of the statement whose drop decided an index's verdict: measured, the mean rate of
 * its `db_statement_calls_per_sec` over the after window of the look; else what the proposal
 * predicted (`calls_per_day`); null for other actions or when neither is known.
 */
async function callsPerDay(r: OptimizationRecord, j: Judgement, lookAt: number, v: Verdict, read: SeriesReader): Promise<number | null> {
  if (r.action !== 'create_index') return null;
  const source = v.deciding?.source ?? null;
  if (source !== null) {
    const w = lookWindows(j.at, lookAt, j.settings, j.notBefore ?? -Infinity);
    const rates = await read(source, DB_STATEMENT_CALLS_PER_SEC, w.after[0], w.after[1]);
    if (rates.length > 0) return (rates.reduce((a, x) => a + x.value, 0) / rates.length) * 86_400;
  }
  const c = r.predicted.calls_per_day;
  return typeof c === 'number' && Number.isFinite(c) ? c : null;
}

/**
 * Runs the looks of a judgement that are due, in order, each on the data up to its own end, so a
 * replayed stream is judged exactly as a live one: a look is due once every judged source has
 * sent data past its end (event time), or, for a source silent too long past the after window
 * (wall time), the last look runs at once on what there is. Returns the verdict when a look gives
 * one, the progress when looks passed without one, or null when no look was due.
 */
export async function judgeDue(r: OptimizationRecord, of: 'change' | 'rollback', ctx: JudgingContext): Promise<OptimizationEvent | null> {
  const j = of === 'change' ? r.change : r.rollback;
  if (j === null || j.verdict !== null) return null;
  const sources = sourcesOf(r, j);
  const looks = lookTimes(j.at, j.settings);
  const last = looks.length;
  const timedOut = ctx.wall > j.startedWall + j.settings.settleMs + j.settings.afterMs + ctx.maxWaitMs;
  if (sources === null) {
    return { type: 'judged', of, looksDone: last, verdict: { outcome: 'failed', at: looks[last - 1]!, impact: null, reason: 'cannot be judged: a judging metric has no source' } };
  }
  const seen = Math.min(...sources.map((s) => ctx.watermark(s)));
  let done = j.looksDone;
  let prepared = false;
  for (let look = done + 1; look <= last; look++) {
    const lookAt = looks[look - 1]!;
    const dueNow = seen > lookAt || (timedOut && look === last);
    if (!dueNow && !timedOut) break;
    if (!dueNow) continue;
    if (!prepared) {
      await ctx.prepare();
      prepared = true;
    }
    const verdict = judgeLook({ metrics: await readLook(r, j, lookAt, ctx.read), look }, j.settings);
    done = look;
    if (verdict.outcome === 'waiting') continue;
    const reason = timedOut && seen <= lookAt ? `${verdict.reason} (the source sent nothing past the after window)` : verdict.reason;
    const perDay = await callsPerDay(r, j, lookAt, verdict, ctx.read);
    return { type: 'judged', of, looksDone: look, verdict: { outcome: verdict.outcome, at: lookAt, impact: impactOf(verdict, look, perDay), reason } };
  }
  return done > j.looksDone ? { type: 'looked', of, looksDone: done } : null;
}
