/** Value types a tunable of an agent may have: a closed set. */
export const TUNABLE_TYPES = ['integer', 'number', 'boolean', 'string'] as const;
/** One of {@link TUNABLE_TYPES}. */
export type TunableType = (typeof TUNABLE_TYPES)[number];

/**
 * What a tunable is, when it is one the engine knows how to reason about: `db_pool_size` (database
 * connections at once) and `concurrency` (handler calls running at once) have rules in the agent
 * configuration advisor; `batch_size` and `cache_size` tell peers and people what the setting is.
 */
export const TUNABLE_ROLES = ['db_pool_size', 'concurrency', 'batch_size', 'cache_size'] as const;
/** One of {@link TUNABLE_ROLES}. */
export type TunableRole = (typeof TUNABLE_ROLES)[number];

/** A tunable value on the wire. */
export type TunableValue = number | boolean | string;

/**
 * A setting an agent lets others change at run time, as it publishes it
 * (`agent.<agent_id>.tunables`): the bounds are the agent's own and no update can widen them.
 */
export interface TunableDescriptor {
  /** Key in `config.<agent_id>.updated`: 1-64 of `a-z 0-9 _`, starting with a letter. */
  readonly name: string;
  readonly type: TunableType;
  readonly value: TunableValue;
  /** The value the agent started with. */
  readonly default: TunableValue;
  /** Inclusive bounds; required for `integer` and `number`. */
  readonly minimum?: number;
  readonly maximum?: number;
  /** Allowed values of a `string` tunable, when restricted. */
  readonly enum?: readonly string[];
  readonly role?: TunableRole;
  /** Metrics the setting moves (e.g. `db_pool_wait_ms`, `handler_latency_p95_ms`). */
  readonly affects: readonly string[];
  readonly description: string;
  /** False: published for information, refused in updates (`not_live`). */
  readonly live: boolean;
}

/** Pattern of a tunable's name. */
export const TUNABLE_NAME_PATTERN = '^[a-z][a-z0-9_]{0,63}$';
