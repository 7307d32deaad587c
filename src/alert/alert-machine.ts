import type { Severity } from '../model/severity.js';
import type { AlertResolveReason } from '../model/alert.js';

/**
 * The alert state machine of one (source, metric, rule), pure and in event time:
 *
 *   inactive --trigger--> pending --held for_seconds--> firing --cleared keep_firing--> resolved (= inactive)
 *       \_____________trigger, for_seconds = 0_____________/    ^ escalate / de-escalate / renotify
 *   pending --trigger gone--> cancelled (= inactive)
 *
 * Every timestamp is a sample's own (epoch ms); the machine never reads a clock.
 */


/** What happened to an episode on one step; each is persisted, and some are notified. */
export const TRANSITION_KINDS = ['pending', 'cancelled', 'fired', 'escalated', 'deescalated', 'renotify', 'resolved'] as const;
export type TransitionKind = (typeof TRANSITION_KINDS)[number];

/** A rule's verdict on one sample. */
export interface Condition {
  /** The highest severity whose level the value is beyond, or null. */
  readonly trigger: Severity | null;
  /** True while the value has not crossed back past the clear level (a firing alert stays). */
  readonly hold: boolean;
  /** The level of `trigger` (or of the rule's lowest severity when there is no trigger). */
  readonly threshold: number | null;
}

/** Timings of a rule, in milliseconds of event time. */
export interface MachineParams {
  /** Hold before pending fires, and before an escalation takes effect. */
  readonly forMs: number;
  /** A firing alert stays firing this long after its condition clears; a return in time continues the episode. Also the hold of a de-escalation. */
  readonly keepFiringMs: number;
  /** Re-notification interval while firing (0: never). */
  readonly renotifyMs: number;
  /** A series silent for longer than this (or {@link STALE_INTERVALS} of its sampling intervals, whichever is longer) ends its episode as stale. */
  readonly staleMs: number;
  /** Severity a firing alert falls back to while it holds without a trigger. */
  readonly lowest: Severity;
}

/** An open episode (pending or firing). */
export interface Episode {
  readonly alertId: string;
  readonly phase: 'pending' | 'firing';
  readonly severity: Severity;
  /** Highest severity reached since the episode started. */
  readonly maxSeverity: Severity;
  /** First sample beyond the level. */
  readonly startedAt: number;
  readonly firedAt: number | null;
  readonly lastNotifiedAt: number | null;
  /** First sample back past the clear level while firing, or null. */
  readonly clearingSince: number | null;
  /** Severity the episode is moving to, and since when (escalation / de-escalation hold). */
  readonly candidate: Severity | null;
  readonly candidateSince: number | null;
  /** Latest value and the level in force. */
  readonly value: number;
  readonly threshold: number | null;
  readonly lastTs: number;
}

/** State of one series under one rule. */
export interface SeriesAlert {
  /** Newest sample seen (older or equal ones are ignored). */
  readonly lastTs: number;
  readonly episode: Episode | null;
  /** Restored after a restart: the gap before the next sample is the engine's downtime, not staleness. */
  readonly resumed: boolean;
  /** Time between the series' last two samples (0 until known). */
  readonly interval: number;
}

/** A series is stale after this many of its own sampling intervals, when that is longer than `staleMs`. */
export const STALE_INTERVALS = 3;

/** How long `s` may stay silent before its episode is stale. */
export function staleAfter(s: SeriesAlert, p: Pick<MachineParams, 'staleMs'>): number {
  return Math.max(p.staleMs, STALE_INTERVALS * s.interval);
}

/** One change of an episode. `at` is its event time (for `resolved`, the end of the episode). */
export interface Transition {
  readonly kind: TransitionKind;
  readonly episode: Episode;
  readonly at: number;
  readonly reason?: AlertResolveReason;
  readonly previousSeverity?: Severity;
}

/** A step's new state and what happened. */
export interface StepResult {
  readonly state: SeriesAlert;
  readonly transitions: readonly Transition[];
  /** The sample was not newer than the latest and was ignored. */
  readonly late: boolean;
}

const RANK: Record<Severity, number> = { warning: 0, critical: 1 };

/** The state of a series no rule has seen yet. */
export const INITIAL: SeriesAlert = Object.freeze({ lastTs: Number.NEGATIVE_INFINITY, episode: null, resumed: false, interval: 0 });

function higher(a: Severity, b: Severity): Severity {
  return RANK[a] >= RANK[b] ? a : b;
}

function close(ep: Episode, at: number, reason: AlertResolveReason): Transition {
  return ep.phase === 'pending' ? { kind: 'cancelled', episode: ep, at } : { kind: 'resolved', episode: ep, at, reason };
}

/**
 * `ep` at a new sample, with its clearing and candidate fields set: every field written out, so that
 * the steady path (every sample of every open alert) allocates one object of the episode's shape
 * instead of going through a spread.
 */
function atSample(ep: Episode, value: number, ts: number, clearingSince: number | null, candidate: Severity | null, candidateSince: number | null): Episode {
  return {
    alertId: ep.alertId,
    phase: ep.phase,
    severity: ep.severity,
    maxSeverity: ep.maxSeverity,
    startedAt: ep.startedAt,
    firedAt: ep.firedAt,
    lastNotifiedAt: ep.lastNotifiedAt,
    clearingSince,
    candidate,
    candidateSince,
    value,
    threshold: ep.threshold,
    lastTs: ts,
  };
}

function fire(ep: Episode, ts: number): Episode {
  return { ...ep, phase: 'firing', firedAt: ts, lastNotifiedAt: ts, maxSeverity: higher(ep.maxSeverity, ep.severity) };
}

/** The result of a step that took a sample at `ts` and left episode `e`. */
function stepped(out: readonly Transition[], ts: number, interval: number, e: Episode | null): StepResult {
  return { state: { lastTs: ts, episode: e, resumed: false, interval }, transitions: out, late: false };
}

/** Feeds one sample and the rule's verdict on it. */
export function stepSample(
  s: SeriesAlert,
  ts: number,
  value: number,
  cond: Condition,
  p: MachineParams,
  newId: () => string,
): StepResult {
  if (!(ts > s.lastTs)) return { state: s, transitions: [], late: true };
  const out: Transition[] = [];
  let ep = s.episode;
  if (ep && !s.resumed && ts - s.lastTs > staleAfter(s, p)) {
    out.push(close(ep, s.lastTs + staleAfter(s, p), 'stale'));
    ep = null;
  }
  const interval = Number.isFinite(s.lastTs) && !s.resumed ? ts - s.lastTs : s.interval;

  if (ep === null) {
    if (cond.trigger === null) return stepped(out, ts, interval, null);
    const fresh: Episode = {
      alertId: newId(),
      phase: 'pending',
      severity: cond.trigger,
      maxSeverity: cond.trigger,
      startedAt: ts,
      firedAt: null,
      lastNotifiedAt: null,
      clearingSince: null,
      candidate: null,
      candidateSince: null,
      value,
      threshold: cond.threshold,
      lastTs: ts,
    };
    if (p.forMs > 0) {
      out.push({ kind: 'pending', episode: fresh, at: ts });
      return stepped(out, ts, interval, fresh);
    }
    const fired = fire(fresh, ts);
    out.push({ kind: 'fired', episode: fired, at: ts });
    return stepped(out, ts, interval, fired);
  }

  if (ep.phase === 'pending') {
    if (cond.trigger === null) {
      out.push({ kind: 'cancelled', episode: { ...ep, value, lastTs: ts }, at: ts });
      return stepped(out, ts, interval, null);
    }
    const next: Episode = { ...ep, severity: cond.trigger, maxSeverity: higher(ep.maxSeverity, cond.trigger), value, threshold: cond.threshold, lastTs: ts };
    if (ts - ep.startedAt < p.forMs) return stepped(out, ts, interval, next);
    const fired = fire(next, ts);
    out.push({ kind: 'fired', episode: fired, at: ts });
    return stepped(out, ts, interval, fired);
  }

  // Firing. Each branch builds the next episode in one object (atSample): this runs for every sample
  // of every open alert, and what it allocates is held until the next sample.
  if (!cond.hold) {
    const since = ep.clearingSince ?? ts;
    if (ts - since >= p.keepFiringMs) {
      out.push({ kind: 'resolved', episode: { ...ep, value, lastTs: ts }, at: since, reason: 'cleared' });
      return stepped(out, ts, interval, null);
    }
    return stepped(out, ts, interval, atSample(ep, value, ts, since, null, null));
  }
  const target = cond.trigger ?? p.lowest;
  let cur: Episode;
  if (target === ep.severity) cur = atSample(ep, value, ts, null, null, null);
  else {
    const since = ep.candidate === target ? ep.candidateSince! : ts;
    const up = RANK[target] > RANK[ep.severity];
    if (ts - since >= (up ? p.forMs : p.keepFiringMs)) {
      cur = {
        ...ep,
        value,
        lastTs: ts,
        clearingSince: null,
        severity: target,
        maxSeverity: higher(ep.maxSeverity, target),
        threshold: cond.threshold,
        candidate: null,
        candidateSince: null,
        lastNotifiedAt: ts,
      };
      out.push({ kind: up ? 'escalated' : 'deescalated', episode: cur, at: ts, previousSeverity: ep.severity });
      return stepped(out, ts, interval, cur);
    }
    cur = atSample(ep, value, ts, null, target, since);
  }
  if (p.renotifyMs > 0 && ts - (cur.lastNotifiedAt ?? ts) >= p.renotifyMs) {
    cur = { ...cur, lastNotifiedAt: ts };
    out.push({ kind: 'renotify', episode: cur, at: ts });
  }
  return stepped(out, ts, interval, cur);
}

/** The series went silent for {@link staleAfter}: the open episode ends as stale, dated last sample + that time. */
export function stepStale(s: SeriesAlert, p: MachineParams): StepResult {
  if (!s.episode) return { state: s, transitions: [], late: false };
  return {
    state: { ...s, episode: null, resumed: false },
    transitions: [close(s.episode, s.lastTs + staleAfter(s, p), 'stale')],
    late: false,
  };
}

/** Ends the open episode at `at` for `reason` (rule removed, baseline adapted). */
export function endEpisode(s: SeriesAlert, at: number, reason: AlertResolveReason): StepResult {
  if (!s.episode) return { state: s, transitions: [], late: false };
  return { state: { ...s, episode: null, resumed: false }, transitions: [close(s.episode, at, reason)], late: false };
}
