import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { EXPECT_DIRECTIONS, OPTIMIZATION_ACTIONS, OPTIMIZATION_STATUSES, type OptimizationAction } from '../model/optimization.js';
import { Name, InboundTimestamp, OutboundTimestamp } from './common.js';

const literalUnion = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Union(values.map((v) => Type.Literal(v)), description ? { description } : {});

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
  { metric: Name, direction: literalUnion(EXPECT_DIRECTIONS) },
  { additionalProperties: true },
);
const Expectations = Type.Array(Expectation, { minItems: 1, description: 'metrics the change is judged on' });

const Percentiles = Type.Object({ p50: Type.Number(), p95: Type.Number() }, { additionalProperties: true });

/** Measured effect of an optimization on its judging metric. */
export const Impact = Type.Object(
  {
    metric: Name,
    before: Percentiles,
    after: Percentiles,
    change_pct: Type.Number({ description: 'relative change from before to after, in percent (negative: lower)' }),
    significant: Type.Boolean({ description: 'the change is statistically significant' }),
  },
  { additionalProperties: true },
);

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
  },
  { additionalProperties: true },
);

/** A `regressed` status always says how to undo the change. */
const RegressedCarriesUndo = Type.Union([
  Type.Object({ status: literalUnion(OPTIMIZATION_STATUSES.filter((s) => s !== 'regressed')) }),
  Type.Object({ status: Type.Literal('regressed'), undo: ActionCall }),
]);

/** `performance.optimization_status`: one step in the life of an optimization (planned, issue 12). */
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
  },
  { additionalProperties: true },
);

/** Without `optimization_id`, the change is the sender's own and must say what, where and how to judge it. */
const ProposedOrOwnChange = Type.Union([
  Type.Object({ optimization_id: Type.String() }),
  Type.Object({ source: Type.Unknown(), action: Type.Unknown(), expect: Type.Unknown() }),
]);

/** With an `action`, parameters fit it; without one (a proposed change), the engine checks them against its proposal. */
const AppliedParamsFitAction = Type.Union([Type.Object({ action: Type.Optional(Type.Never()) }), ParamsFitAction]);

/** `optimizing.optimization_applied`: the optimizing engine (or an operator's tool) has made a change (planned, issue 12). */
export const OptimizationAppliedMessage = Type.Intersect([OptimizationAppliedFields, ProposedOrOwnChange, AppliedParamsFitAction], {
  $id: 'optimizing.optimization_applied',
});
/** An `optimizing.optimization_applied` message. */
export type OptimizationAppliedMessage = Static<typeof OptimizationAppliedMessage>;

/** `optimizing.optimization_rolled_back`: the optimizing engine has applied an optimization's undo (planned, issue 12). */
export const OptimizationRolledBackMessage = Type.Object(
  { optimization_id: Type.String({ format: 'uuid' }), rolled_back_at: InboundTimestamp },
  { $id: 'optimizing.optimization_rolled_back', additionalProperties: true },
);
/** An `optimizing.optimization_rolled_back` message. */
export type OptimizationRolledBackMessage = Static<typeof OptimizationRolledBackMessage>;
