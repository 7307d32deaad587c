import type { MetricSnapshot } from '../model/snapshot.js';
import type { Anomaly, DetectionEvents, ScoredSample } from '../detect/stream/detection-events.js';
import { endEpisode, INITIAL, stepSample, staleAfter, stepStale, type Episode, type MachineParams, type SeriesAlert, type StepResult } from './alert-machine.js';
import { type AlertResolveReason } from '../model/alert.js';
import type { AlertTransition } from './alert-message.js';
import type { AlertRule } from '../model/alert.js';
import { degradationOnset, evaluateDegradation, type DegradationConfig, type DegradationReference } from './degradation.js';
import { evaluateThreshold, type RuleBook } from './threshold-rules.js';
import { flatString } from '../model/flat-string.js';

/** What the evaluator is given: rules, settings, the detection stage, ids, a wall clock, and where transitions go. */
export interface EvaluatorDeps {
  rules(): RuleBook;
  degradation(): DegradationConfig;
  staleMs(): number;
  readonly detection: Pick<DetectionEvents, 'onAnomaly' | 'follow'> | null;
  newId(): string;
  /** Wall clock, used only to notice series that stopped reporting. */
  now(): number;
  emit(t: AlertTransition): void;
}

/** An open episode of one series and rule (as saved, and as restored at start). */
export interface RestoredEpisode {
  readonly source: string;
  readonly metric: string;
  readonly rule: AlertRule;
  readonly episode: Episode;
  readonly reference: DegradationReference | null;
  /** The series' sampling interval (ms, 0 when unknown), which stretches its staleness. */
  readonly interval: number;
}

interface Tracked {
  /** Its key in the tracked map: flat (see flatString), kept as long as the series is tracked, and by its cool-down. */
  readonly key: string;
  readonly source: string;
  readonly metric: string;
  readonly rule: AlertRule;
  state: SeriesAlert;
  /** Wall time of the latest sample (or of the restore), for staleness of silent series. */
  arrivedAt: number;
  /** Open episode changed since last handed out for saving. */
  dirty: boolean;
  reference: DegradationReference | null;
  unfollow: (() => void) | null;
}

const keyOf = (rule: AlertRule, source: string, metric: string) => `${rule}\u0000${source}\u0000${metric}`;

/**
 * Runs the alert state machines of every (source, metric, rule): threshold rules on every sample
 * of a metric that has one, degradation episodes on the samples of series the detection stage
 * flagged (followed until the episode ends). All decisions use the samples' timestamps; the wall
 * clock only ends episodes of series that stopped reporting. I/O-free: transitions go to `emit`.
 */
export class AlertEvaluator {
  readonly #tracked = new Map<string, Tracked>();
  /** Event time before which a series' anomalies do not open a new degradation episode. */
  readonly #cooldown = new Map<string, number>();
  #late = 0;

  constructor(private readonly deps: EvaluatorDeps) {
    deps.detection?.onAnomaly((a) => this.onAnomaly(a));
  }

  /** Evaluates threshold rules on the snapshots' samples (a snapshot listener). */
  onSnapshots(snapshots: readonly MetricSnapshot[]): void {
    const rules = this.deps.rules();
    if (rules.metrics.length === 0) return;
    for (const snap of snapshots) {
      for (const metric of rules.metrics) {
        const value = snap.metrics[metric];
        if (value === undefined) continue;
        const rule = rules.ruleFor(metric, snap.source);
        if (rule === null) continue;
        const t = this.#track('threshold', snap.source, metric);
        const p: MachineParams = { forMs: rule.forMs, keepFiringMs: rule.keepFiringMs, renotifyMs: rule.renotifyMs, staleMs: this.deps.staleMs(), lowest: rule.lowest };
        this.#apply(t, stepSample(t.state, snap.timestamp, value, evaluateThreshold(rule, value), p, this.deps.newId));
      }
    }
  }

  /** Opens a degradation episode when an anomaly qualifies, and follows the series from then on. */
  onAnomaly(a: Anomaly): void {
    const key = keyOf('degradation', a.source, a.metric);
    if (this.#tracked.has(key)) return;
    const until = this.#cooldown.get(key);
    if (until !== undefined && a.timestamp < until) return;
    const c = this.deps.degradation();
    const reference = degradationOnset(a, c);
    if (reference === null) return;
    const t = this.#track('degradation', a.source, a.metric);
    t.reference = reference;
    this.#stepDegradation(t, a.timestamp, a.value, c);
    if (t.state.episode !== null) this.#followDegradation(t);
    else this.#tracked.delete(key);
  }

  #followDegradation(t: Tracked): void {
    const follower = (s: ScoredSample) => {
      if (this.#tracked.get(t.key) === t) this.#stepDegradation(t, s.timestamp, s.value, this.deps.degradation());
    };
    t.unfollow = this.deps.detection?.follow(t.source, t.metric, follower) ?? null;
  }

  #stepDegradation(t: Tracked, ts: number, value: number, c: DegradationConfig): void {
    const ref = t.reference!;
    const p: MachineParams = { forMs: c.forMs, keepFiringMs: c.keepFiringMs, renotifyMs: 0, staleMs: this.deps.staleMs(), lowest: 'warning' };
    const res = stepSample(t.state, ts, value, evaluateDegradation(ref, value, c), p, this.deps.newId);
    this.#apply(t, res);
    const ep = t.state.episode;
    if (ep?.phase === 'firing' && c.acceptAfterMs > 0 && ts - ep.firedAt! >= c.acceptAfterMs) {
      this.#apply(t, endEpisode(t.state, ts, 'baseline_adapted'));
    }
  }

  /** Ends open episodes of rules that are gone (threshold rule removed, degradation disabled); call after a configuration change. */
  rulesChanged(): void {
    const rules = this.deps.rules();
    const degradationOn = this.deps.degradation().enabled;
    for (const t of [...this.#tracked.values()]) {
      const gone = t.rule === 'threshold' ? rules.ruleFor(t.metric, t.source) === null : !degradationOn;
      if (gone) this.#end(t, t.state.lastTs, 'rule_removed');
    }
  }

  /** Ends episodes of series silent for `staleMs` of wall time, and forgets idle series. Call periodically. */
  sweep(): void {
    const now = this.deps.now();
    const staleMs = this.deps.staleMs();
    const p: MachineParams = { forMs: 0, keepFiringMs: 0, renotifyMs: 0, staleMs, lowest: 'warning' };
    for (const [key, t] of this.#tracked) {
      const after = staleAfter(t.state, p);
      if (now - t.arrivedAt < after) continue;
      if (t.state.episode !== null) this.#apply(t, stepStale(t.state, p));
      else if (now - t.arrivedAt >= 2 * after) this.#tracked.delete(key);
    }
  }

  /** Continues episodes that were open when the engine stopped; the gap until the next sample is not staleness. */
  restore(episodes: readonly RestoredEpisode[]): void {
    for (const r of episodes) {
      const t = this.#track(r.rule, r.source, r.metric);
      t.state = { lastTs: r.episode.lastTs, episode: r.episode, resumed: true, interval: r.interval };
      t.reference = r.reference;
      if (r.rule === 'degradation') this.#followDegradation(t);
    }
  }

  /** Open episodes changed since last called, for saving (latest value and sample time). */
  *dirtyOpen(): Generator<RestoredEpisode> {
    for (const t of this.#tracked.values()) {
      if (!t.dirty || t.state.episode === null) continue;
      t.dirty = false;
      yield { source: t.source, metric: t.metric, rule: t.rule, episode: t.state.episode, reference: t.reference, interval: t.state.interval };
    }
  }

  /** Every open episode (for the silence and acknowledgement checks). */
  *open(): Generator<RestoredEpisode> {
    for (const t of this.#tracked.values()) {
      if (t.state.episode !== null) yield { source: t.source, metric: t.metric, rule: t.rule, episode: t.state.episode, reference: t.reference, interval: t.state.interval };
    }
  }

  stats(): { tracked: number; open: number; late: number } {
    let open = 0;
    for (const t of this.#tracked.values()) if (t.state.episode !== null) open++;
    return { tracked: this.#tracked.size, open, late: this.#late };
  }

  #track(rule: AlertRule, source: string, metric: string): Tracked {
    const key = keyOf(rule, source, metric);
    let t = this.#tracked.get(key);
    if (!t) {
      // Flat: half the heap of the joined key, for as long as the series is tracked.
      t = { key: flatString(key), source, metric, rule, state: INITIAL, arrivedAt: this.deps.now(), dirty: false, reference: null, unfollow: null };
      this.#tracked.set(t.key, t);
    }
    return t;
  }

  #coolDown(key: string, until: number): void {
    this.#cooldown.delete(key);
    this.#cooldown.set(key, until);
    // Bounded: past the cap the oldest cool-downs (inserted first) are forgotten.
    if (this.#cooldown.size > 100_000) this.#cooldown.delete(this.#cooldown.keys().next().value!);
  }

  #end(t: Tracked, at: number, reason: AlertResolveReason): void {
    this.#apply(t, endEpisode(t.state, at, reason));
  }

  #apply(t: Tracked, res: StepResult): void {
    if (res.late) {
      this.#late++;
      return;
    }
    const hadEpisode = t.state.episode !== null;
    t.state = res.state;
    t.arrivedAt = this.deps.now();
    t.dirty = t.state.episode !== null;
    for (const tr of res.transitions) {
      if (t.rule === 'degradation' && tr.kind === 'resolved') this.#coolDown(t.key, tr.at + this.deps.degradation().cooldownMs);
      this.deps.emit({ ...tr, source: t.source, metric: t.metric, rule: t.rule, reference: t.reference, interval: t.state.interval });
    }
    if (t.rule === 'degradation' && t.state.episode === null && (hadEpisode || res.transitions.length > 0)) {
      t.unfollow?.();
      this.#tracked.delete(t.key);
    }
  }
}
