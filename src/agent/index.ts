/**
 * The agent SDK (`perf-engine/agent`): what an agent of the platform needs to be observable and
 * profilable by the Performance Engine. See docs/sdk.md.
 */
export { Agent, type AgentOptions } from './agent.js';
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
export { agentProfileSubject, SUBJECTS } from '../wire/subjects.js';
export type { Bus, BusMessage } from '../bus/bus.js';
export type { Db, Queryable, QueryResult } from '../store/db.js';
export { openDb } from '../store/open-db.js';
export { Type, type Static, type TSchema } from '@sinclair/typebox';
