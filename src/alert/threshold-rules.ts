import type { Severity } from '../model/severity.js';
import type { ThresholdRule } from '../config/schema.js';
import { compileGlob } from './glob.js';
import type { Condition } from './alert-machine.js';

/** A threshold rule as it applies to one source: overrides merged, defaults filled in. */
export interface EffectiveRule {
  readonly metric: string;
  readonly warning: number | null;
  readonly critical: number | null;
  readonly direction: 'above' | 'below';
  readonly forMs: number;
  /** The level a firing alert must cross back past to resolve (never inside the lowest level). */
  readonly clear: number;
  readonly renotifyMs: number;
  readonly keepFiringMs: number;
  /** The lowest severity the rule can raise (`warning` when it has a warning level). */
  readonly lowest: Severity;
}

/** Values that apply when neither the rule nor a matching override sets them. */
export interface RuleDefaults {
  readonly keepFiringSeconds: number;
}

/** Merges the first override whose glob matches `source` into `rule`; null when no level is left. */
export function effectiveRule(metric: string, rule: ThresholdRule, source: string, defaults: RuleDefaults): EffectiveRule | null {
  const o = rule.overrides?.find((ov) => compileGlob(ov.source)(source));
  const pick = <K extends keyof ThresholdRule>(k: K): ThresholdRule[K] => (o && k in o ? (o as ThresholdRule)[k] : rule[k]);
  const warning = pick('warning') ?? null;
  const critical = pick('critical') ?? null;
  if (warning === null && critical === null) return null;
  const direction = pick('direction') ?? 'above';
  const lowestLevel = warning ?? critical!;
  const given = pick('clear');
  // A clear level on the wrong side of the lowest level could never be crossed back: ignore it.
  const clear = given === undefined ? lowestLevel : direction === 'above' ? Math.min(given, lowestLevel) : Math.max(given, lowestLevel);
  return {
    metric,
    warning,
    critical,
    direction,
    forMs: (pick('for_seconds') ?? 0) * 1000,
    clear,
    renotifyMs: (pick('renotify_seconds') ?? 0) * 1000,
    keepFiringMs: (pick('keep_firing_seconds') ?? defaults.keepFiringSeconds) * 1000,
    lowest: warning !== null ? 'warning' : 'critical',
  };
}

/** Evaluates one value against a rule: the highest level crossed and whether a firing alert holds. */
export function evaluateThreshold(rule: EffectiveRule, value: number): Condition {
  const beyond = rule.direction === 'above' ? (level: number) => value > level : (level: number) => value < level;
  const trigger: Severity | null =
    rule.critical !== null && beyond(rule.critical) ? 'critical' : rule.warning !== null && beyond(rule.warning) ? 'warning' : null;
  const hold = rule.direction === 'above' ? value > rule.clear : value < rule.clear;
  return { trigger, hold, threshold: levelOf(rule, trigger ?? rule.lowest) };
}

/** The level of one severity of a rule (the other one when the rule lacks it). */
export function levelOf(rule: EffectiveRule, severity: Severity): number {
  return severity === 'critical' ? (rule.critical ?? rule.warning!) : (rule.warning ?? rule.critical!);
}

/**
 * The rules in force, resolved per (metric, source) once and cached: a snapshot's metrics are
 * matched against the configured metric names only, so a source with hundreds of metrics and no
 * rule costs one lookup per rule.
 */
export class RuleBook {
  readonly metrics: readonly string[];
  readonly #cache = new Map<string, Map<string, EffectiveRule | null>>();

  constructor(
    private readonly rules: Readonly<Record<string, ThresholdRule>>,
    private readonly defaults: RuleDefaults,
  ) {
    this.metrics = Object.keys(rules);
  }

  /** The effective rule of `metric` for `source`, or null when there is none. */
  ruleFor(metric: string, source: string): EffectiveRule | null {
    const rule = this.rules[metric];
    if (!rule) return null;
    let bySource = this.#cache.get(metric);
    if (!bySource) this.#cache.set(metric, (bySource = new Map()));
    let r = bySource.get(source);
    if (r === undefined) {
      r = effectiveRule(metric, rule, source, this.defaults);
      if (bySource.size > 100_000) bySource.clear();
      bySource.set(source, r);
    }
    return r;
  }
}
