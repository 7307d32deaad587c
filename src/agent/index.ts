/**
 * The agent SDK (`perf-engine/agent`): what an agent of the platform needs to be observable and
 * profilable by the Performance Engine. See docs/sdk.md.
 */
export { Agent, type AgentOptions, type HandlerControl, type InstrumentationSettings } from './agent.js';
export { AgentTunables, TunableUpdateError, type Tunable, type TunableOptions, type TunableValueOf } from './tunables.js';
export { TUNABLE_ROLES, TUNABLE_TYPES, type TunableDescriptor, type TunableRole, type TunableType, type TunableValue } from '../model/agent-tunable.js';
export { AGENT_CONFIG_ERROR_CODES, type AgentConfigErrorCode } from '../wire/agent-config.js';
export {
  AgentConfigError,
  CONFIG_CLIENT_ERROR_CODES,
  requestAgentConfigUpdate,
  requestAgentTunables,
  type AgentConfigFailureCode,
  type AppliedConfig,
  type ConfigClientOptions,
} from '../bus/agent-config-client.js';
export { BaseAgent, type BaseAgentOptions, type BusSource, type Readiness } from './base-agent.js';
export { type Component } from '../lifecycle/component.js';
export { HandlerError } from './handler-error.js';
export type { Handler, HandlerContext, HandlerOptions, HandlerResult } from './handler-runner.js';
export { createLogger, componentLogger, type Logger, type RootLoggerOptions } from '../lifecycle/logger.js';
export type { AgentSnapshotWire } from './instrumentation/agent-instrumentation.js';
export { LogHistogram } from './instrumentation/log-histogram.js';
export { DEFAULT_MAX_REPLY_BYTES, type ProfilerOptions } from './profiler/profile-responder.js';
export {
  AgentProfileError,
  PROFILE_CLIENT_ERROR_CODES,
  requestAgentProfile,
  type AgentProfile,
  type AgentProfileFailureCode,
  type ProfileClientOptions,
} from '../bus/agent-profile-client.js';
export { AGENT_PROFILE_ERROR_CODES, type AgentProfileRequest } from '../wire/agent-profile.js';
export { agentConfigSubject, agentProfileSubject, agentTunablesSubject, SUBJECTS } from '../wire/subjects.js';
export type { Bus, BusMessage } from '../bus/bus.js';
export type { Db, DbPool, PoolStats, Queryable, QueryResult } from '../store/db.js';
export { openDb } from '../store/open-db.js';
export { Type, type Static, type TSchema } from '@sinclair/typebox';
