import { Type, type Static } from '@sinclair/typebox';

/**
 * What `optimization_auto_apply` may name: a family of actions or one action the engine can carry
 * out. Advice (profile, scale_out, restart_before_exhaustion, move_off_event_loop) is never applied
 * by the engine and cannot be named.
 */
export const AUTO_APPLY_NAMES = ['indexes', 'limits', 'agent_config', 'create_index', 'drop_index', 'set_cpu_limit', 'set_memory_limit', 'set_agent_config'] as const;
/** One of {@link AUTO_APPLY_NAMES}. */
export type AutoApplyName = (typeof AUTO_APPLY_NAMES)[number];

/** The optimization keys of the configuration schema (docs/optimization.md). */
export const OPTIMIZATION_KEYS = {
  optimization_enabled: Type.Boolean({
    description:
      'Local only, read at start. false: no optimization loop (no advisor passes, no judging, no insights; stored optimizations stay readable, and announcements on optimizing.* are still recorded).',
  }),
  optimization_auto_apply: Type.Array(Type.Union(AUTO_APPLY_NAMES.map((n) => Type.Literal(n))), {
    maxItems: AUTO_APPLY_NAMES.length,
    description:
      'Local only. Actions the engine may carry out itself, with its registered appliers: families (indexes, limits, agent_config) or single actions. It applies what it proposes and rolls back what regresses, for these only; empty: the engine never changes anything itself.',
  }),
  optimization_settle_seconds: Type.Number({ minimum: 0, maximum: 86400, description: 'Event time after a change (or its rollback) left out of the judgement while the system settles.' }),
  optimization_before_seconds: Type.Number({ minimum: 1, maximum: 604800, description: 'Length of the window before a change that its after window is compared with.' }),
  optimization_after_seconds: Type.Number({ minimum: 1, maximum: 604800, description: 'Length of the window after the settling time at the last look.' }),
  optimization_looks: Type.Integer({ minimum: 1, maximum: 10, description: 'Looks at the after window, evenly spread; a clear verdict may come at an earlier look (the confidence is shared among them).' }),
  optimization_min_samples: Type.Integer({ minimum: 5, maximum: 100000, description: 'Fewest samples on each side of a change for a look to count.' }),
  optimization_min_effect_pct: Type.Number({ minimum: 1, maximum: 1000, description: 'Smallest relative change of a judging metric, in percent, that makes a verdict (verified or regressed).' }),
  optimization_confidence: Type.Number({ minimum: 0.5, maximum: 0.9999, description: 'Confidence of a verdict, shared among its looks and metrics.' }),
  optimization_max_wait_seconds: Type.Number({ minimum: 60, maximum: 604800, description: 'Wall time to wait past the end of the after window for a silent source before the change fails as not judged.' }),
  optimization_insights_interval_seconds: Type.Number({ minimum: 0, maximum: 86400, description: 'How often performance.insights is published per active source (also on every verdict); 0: on verdicts only.' }),
  optimization_profile_seconds: Type.Integer({
    minimum: 0,
    maximum: 3600,
    description:
      'Length of the CPU profiles of an agent taken before a configuration change the engine applies and once it has settled (their per-function difference is stored with the optimization); within the automatic-profiling budget and profiling_max_duration_seconds; 0: none.',
  }),
  optimization_baseline_seconds: Type.Number({ minimum: 60, maximum: 604800, description: 'Window of stored data the baselines of performance.insights are taken from.' }),
};

/** Defaults of the optimization keys. */
export const OPTIMIZATION_DEFAULTS = {
  optimization_enabled: true,
  optimization_auto_apply: [] as AutoApplyName[],
  optimization_settle_seconds: 60,
  optimization_before_seconds: 900,
  optimization_after_seconds: 900,
  optimization_looks: 3,
  optimization_min_samples: 20,
  optimization_min_effect_pct: 10,
  optimization_confidence: 0.98,
  optimization_max_wait_seconds: 3600,
  optimization_insights_interval_seconds: 300,
  optimization_baseline_seconds: 3600,
  optimization_profile_seconds: 10,
};

/** The optimization part of a configuration. */
export type OptimizationConfig = { -readonly [K in keyof typeof OPTIMIZATION_KEYS]: Static<(typeof OPTIMIZATION_KEYS)[K]> };

/** Optimization keys a live update may change: judging and insights, never what the engine may apply. */
export const OPTIMIZATION_LIVE_KEYS = [
  'optimization_settle_seconds',
  'optimization_before_seconds',
  'optimization_after_seconds',
  'optimization_looks',
  'optimization_min_samples',
  'optimization_min_effect_pct',
  'optimization_confidence',
  'optimization_max_wait_seconds',
  'optimization_insights_interval_seconds',
  'optimization_baseline_seconds',
  'optimization_profile_seconds',
] as const;
