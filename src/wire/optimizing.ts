import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { EXPECT_DIRECTIONS, OPTIMIZATION_ACTIONS, OPTIMIZATION_ACTORS, OPTIMIZATION_ORIGINS, OPTIMIZATION_STATUSES, type OptimizationAction } from '../model/optimization.js';
import { Name, InboundTimestamp, OutboundTimestamp, literalUnion } from './common.js';

const Text = (description: string) => Type.String({ minLength: 1, description });
const Strings = (description: string) => Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description });
/** A limit that may be lifted: `null` means no limit. */
const Limit = (description: string) => Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()], { description });

/**
 * The parameters each action carries at least (more are allowed). Advice actions are carried out by
 * people or the orchestrator, never by the engine, so their parameters are free.
 */
export const ACTION_PARAMS: { readonly [A in OptimizationAction]: TSchema } = {
  create_index: Type.Object(
    {
      database: Text('database name'),
      schema: Text('schema of the table'),
      table: Text('table name'),
      columns: Strings('indexed columns, in index order'),
      method: Text('index access method: btree, hash, gist, spgist, gin, brin'),
      ddl: Text('the CREATE INDEX statement'),
      queryids: Type.Array(Type.String({ minLength: 1 }), { description: 'pg_stat_statements queryids the index is for' }),
    },
    { additionalProperties: true },
  ),
  drop_index: Type.Object(
    { database: Text('database name'), schema: Text('schema of the table'), table: Text('table name'), index: Text('index name'), ddl: Text('the DROP INDEX statement') },
    { additionalProperties: true },
  ),
  set_cpu_limit: Type.Object(
    { source: Name, cgroup: Text('cgroup path'), cpu_cores: Limit('new limit in cores; null for none'), previous: Limit('limit before the change; null for none') },
    { additionalProperties: true },
  ),
  set_memory_limit: Type.Object(
    {
      source: Name,
      cgroup: Text('cgroup path'),
      bytes: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: 'new limit in bytes; null for none' }),
      previous: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: 'limit before the change; null for none' }),
    },
    { additionalProperties: true },
  ),
  set_agent_config: Type.Object(
    { agent_id: Name, key: Text('configuration key of the agent'), value: Type.Unknown({ description: 'new value (any JSON)' }), previous: Type.Unknown({ description: 'value before the change' }) },
    { additionalProperties: true },
  ),
  profile: Type.Record(Type.String(), Type.Unknown()),
  scale_out: Type.Record(Type.String(), Type.Unknown()),
  restart_before_exhaustion: Type.Record(Type.String(), Type.Unknown()),
  move_off_event_loop: Type.Record(Type.String(), Type.Unknown()),
};

/** An action with its parameters, checked against the action's own parameter set. */
export const ActionCall = Type.Union(
  OPTIMIZATION_ACTIONS.map((a) => Type.Object({ action: Type.Literal(a), params: ACTION_PARAMS[a] }, { additionalProperties: true })),
  { description: 'an action and its parameters' },
);

/** When a message names an action and gives `params`, the parameters fit that action. */
const ParamsFitAction = Type.Union(
  OPTIMIZATION_ACTIONS.map((a) => Type.Object({ action: Type.Literal(a), params: Type.Optional(ACTION_PARAMS[a]) }, { additionalProperties: true })),
);

/** A metric the verdict is judged on and the way it should move. */
export const Expectation = Type.Object(
  {
    metric: Name,
    direction: literalUnion(EXPECT_DIRECTIONS),
    source: Type.Optional(Name),
  },
  { additionalProperties: true, description: 'source (project extension): the source whose series this is, when not the optimization\'s own (a database\'s statement series)' },
);
const Expectations = Type.Array(Expectation, { minItems: 1, description: 'metrics the change is judged on' });

const Percentiles = Type.Object({ p50: Type.Number(), p95: Type.Number() }, { additionalProperties: true });

const Interval = Type.Array(Type.Union([Type.Number(), Type.Null()]), { minItems: 2, maxItems: 2, description: 'confidence interval of change_pct, percent (null: unbounded)' });

/** One judging metric's result (project extension of `impact`). */
const MetricImpact = Type.Object(
  {
    metric: Name,
    source: Type.Optional(Name),
    direction: literalUnion(EXPECT_DIRECTIONS),
    outcome: literalUnion(['verified', 'regressed', 'ineffective', 'waiting', 'insufficient'] as const),
    before: Percentiles,
    after: Percentiles,
    change_pct: Type.Union([Type.Number(), Type.Null()]),
    ci_pct: Interval,
    p_value: Type.Number({ minimum: 0, maximum: 1 }),
    significant: Type.Boolean(),
    samples: Type.Object({ before: Type.Integer({ minimum: 0 }), after: Type.Integer({ minimum: 0 }) }),
    load_controlled: Type.Boolean({ description: 'compared at equal load (handler_calls_per_sec)' }),
  },
  { additionalProperties: true },
);

/** Measured effect of an optimization on its judging metric. */
export const Impact = Type.Object(
  {
    metric: Name,
    before: Percentiles,
    after: Percentiles,
    change_pct: Type.Number({ description: 'relative change from before to after, in percent (negative: lower)' }),
    significant: Type.Boolean({ description: 'the change is statistically significant' }),
    ci_pct: Type.Optional(Interval),
    load_controlled: Type.Optional(Type.Boolean({ description: 'compared at equal load (handler_calls_per_sec)' })),
    method: Type.Optional(Type.String({ description: 'the test the change and its interval come from: mann_whitney_hodges_lehmann or yuen_trimmed_means' })),
    look: Type.Optional(Type.Integer({ minimum: 1, description: 'the look at the after window that decided it' })),
    metrics: Type.Optional(Type.Array(MetricImpact, { description: 'every judging metric' })),
    time_saved_ms_per_day: Type.Optional(Type.Number({ description: 'for an index: statement time saved per day' })),
  },
  { additionalProperties: true, description: 'fields after significant are project extensions' },
);

const NullableTime = Type.Union([OutboundTimestamp, Type.Null()]);
const Actor = Type.Union([literalUnion(OPTIMIZATION_ACTORS), Type.Null()], { description: 'who: engine, optimizing_engine or operator' });

/** Project extensions of `performance.optimization_status`: where it came from, each step's time and actor, the rollback's own verdict. */
const StatusExtras = {
  key: Type.Optional(Type.String({ description: 'identity of the change: not proposed again while open' })),
  origin: Type.Optional(literalUnion(OPTIMIZATION_ORIGINS)),
  rationale: Type.Optional(Type.String()),
  proposed_at: Type.Optional(OutboundTimestamp),
  applied_at: Type.Optional(NullableTime),
  applied_by: Type.Optional(Actor),
  rolled_back_at: Type.Optional(NullableTime),
  rolled_back_by: Type.Optional(Actor),
  rollback: Type.Optional(
    Type.Object(
      { status: literalUnion(['verified', 'ineffective', 'regressed', 'failed'] as const), at: OutboundTimestamp, reason: Type.String(), impact: Type.Optional(Impact) },
      { additionalProperties: true, description: 'the verdict on the rollback, judged like a change' },
    ),
  ),
};

/** Fields of `performance.optimization_status`; the action decides the shape of `params`. */
const OptimizationStatusFields = Type.Object(
  {
    optimization_id: Type.String({ format: 'uuid' }),
    bottleneck_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'null for a change the optimizing engine made on its own' }),
    action: literalUnion(OPTIMIZATION_ACTIONS),
    status: literalUnion(OPTIMIZATION_STATUSES),
    at: OutboundTimestamp,
    impact: Type.Optional(Impact),
    source: Type.Optional(Name),
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'the action parameters' })),
    undo: Type.Optional(ActionCall),
    expect: Type.Optional(Expectations),
    predicted: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'what was predicted, e.g. planner cost before and after' })),
    reason: Type.Optional(Type.String({ description: 'why, for failed, ineffective and rolled_back' })),
    ...StatusExtras,
  },
  { additionalProperties: true },
);

/** A `regressed` status always says how to undo the change. */
const RegressedCarriesUndo = Type.Union([
  Type.Object({ status: literalUnion(OPTIMIZATION_STATUSES.filter((s) => s !== 'regressed')) }),
  Type.Object({ status: Type.Literal('regressed'), undo: ActionCall }),
]);

/** `performance.optimization_status`: one step in the life of an optimization. */
export const OptimizationStatusMessage = Type.Intersect([OptimizationStatusFields, ParamsFitAction, RegressedCarriesUndo], {
  $id: 'performance.optimization_status',
});
/** A `performance.optimization_status` message. */
export type OptimizationStatusMessage = Static<typeof OptimizationStatusMessage>;

const OptimizationAppliedFields = Type.Object(
  {
    optimization_id: Type.Optional(Type.String({ format: 'uuid', description: 'set when the change was proposed by the engine' })),
    source: Type.Optional(Name),
    action: Type.Optional(literalUnion(OPTIMIZATION_ACTIONS)),
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'the action parameters' })),
    applied_at: InboundTimestamp,
    expect: Type.Optional(Expectations),
    undo: Type.Optional(ActionCall),
  },
  { additionalProperties: true, description: 'undo (project extension): how to reverse a change of its own when its params do not say (the engine derives it otherwise)' },
);

/** Without `optimization_id`, the change is the sender's own and must say what, where and how to judge it. */
const ProposedOrOwnChange = Type.Union([
  Type.Object({ optimization_id: Type.String() }),
  Type.Object({ source: Type.Unknown(), action: Type.Unknown(), expect: Type.Unknown() }),
]);

/** With an `action`, parameters fit it; without one (a proposed change), the engine checks them against its proposal. */
const AppliedParamsFitAction = Type.Union([Type.Object({ action: Type.Optional(Type.Never()) }), ParamsFitAction]);

/** `optimizing.optimization_applied`: the optimizing engine (or an operator's tool) has made a change. */
export const OptimizationAppliedMessage = Type.Intersect([OptimizationAppliedFields, ProposedOrOwnChange, AppliedParamsFitAction], {
  $id: 'optimizing.optimization_applied',
});
/** An `optimizing.optimization_applied` message. */
export type OptimizationAppliedMessage = Static<typeof OptimizationAppliedMessage>;

/** `optimizing.optimization_rolled_back`: the optimizing engine has applied an optimization's undo. */
export const OptimizationRolledBackMessage = Type.Object(
  { optimization_id: Type.String({ format: 'uuid' }), rolled_back_at: InboundTimestamp },
  { $id: 'optimizing.optimization_rolled_back', additionalProperties: true },
);
/** An `optimizing.optimization_rolled_back` message. */
export type OptimizationRolledBackMessage = Static<typeof OptimizationRolledBackMessage>;
