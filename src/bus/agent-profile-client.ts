import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { wireAjv } from '../wire/wire-ajv.js';
import { BusTimeoutError, NoRespondersError, type Bus } from './bus.js';
import { encodeJson } from '../wire/json.js';
import { agentProfileSubject } from '../wire/subjects.js';
import {
  AGENT_PROFILE_ERROR_CODES,
  AgentProfileReply,
  type AgentProfileRequest,
  type AgentProfileSuccess,
} from '../wire/agent-profile.js';
import type { ProfileKind } from '../model/profile.js';
import { isValidName } from '../model/metric-names.js';
import { checkJsonLimits } from '../wire/json-limits.js';

const gunzipAsync = promisify(gunzip);
const checkReply = wireAjv.compile<AgentProfileReply>(AgentProfileReply);
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Why a profile request failed on the requester's side. */
export const PROFILE_CLIENT_ERROR_CODES = ['timeout', 'no_responders', 'invalid_reply', 'bus_error', 'invalid_request'] as const;

/** Every code an `AgentProfileError` carries: the requester's own, or the agent's. */
export type AgentProfileFailureCode = (typeof PROFILE_CLIENT_ERROR_CODES)[number] | (typeof AGENT_PROFILE_ERROR_CODES)[number];

/**
 * A profile request that did not yield a profile: a timeout, nobody answering, an answer that
 * is not a valid reply (garbage, bad encoding, wrong kind, size mismatch), or the agent's own
 * refusal (`remote` is then true; an unknown remote code becomes `profile_failed`).
 */
export class AgentProfileError extends Error {
  override readonly name = 'AgentProfileError';
  constructor(
    readonly code: AgentProfileFailureCode,
    message: string,
    readonly remote: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A profile received from an agent: the file's bytes and what the agent said about them. */
export interface AgentProfile {
  readonly agentId: string;
  readonly requestId?: string;
  readonly kind: ProfileKind;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly sampleCount?: number;
  /** The profile file: `.cpuprofile` JSON, sampling heap profile JSON, or an EventLoopReport as JSON. */
  readonly bytes: Buffer;
  readonly heapStatistics?: AgentProfileSuccess['heap_statistics'];
}

/** Limits of `requestAgentProfile`. */
export interface ProfileClientOptions {
  /** How long to wait for the reply; default the duration plus 15 s. */
  readonly timeoutMs?: number;
  /** Largest profile accepted once decompressed; default 256 MiB. */
  readonly maxProfileBytes?: number;
}

const DEFAULT_MAX_PROFILE_BYTES = 256 * 1024 * 1024;

/**
 * Asks an SDK agent for a profile over `agent.<agent_id>.profile` and returns it decoded. Never
 * hangs and never throws anything but `AgentProfileError`: the wait is bounded by `timeoutMs`,
 * the reply is validated against its schema, and the profile is decompressed under a size bound.
 */
export async function requestAgentProfile(
  bus: Bus,
  agentId: string,
  req: AgentProfileRequest,
  opts: ProfileClientOptions = {},
): Promise<AgentProfile> {
  if (!isValidName(agentId)) throw new AgentProfileError('invalid_request', `agent id "${agentId.slice(0, 140)}" is not a valid name`, false);
  const durationMs = (req.duration_seconds ?? 10) * 1000;
  const timeoutMs = opts.timeoutMs ?? durationMs + 15_000;
  const subject = agentProfileSubject(agentId);
  let data: Uint8Array;
  try {
    data = (await bus.request(subject, encodeJson(req), timeoutMs)).data;
  } catch (err) {
    if (err instanceof BusTimeoutError) throw new AgentProfileError('timeout', `agent ${agentId} did not answer within ${timeoutMs} ms`, false, { cause: err });
    if (err instanceof NoRespondersError) throw new AgentProfileError('no_responders', `no agent ${agentId} answers on ${subject}`, false, { cause: err });
    throw new AgentProfileError('bus_error', `request to ${subject} failed: ${(err as Error).message}`, false, { cause: err });
  }
  const reply = parseReply(data, agentId);
  if (!reply.ok) {
    const known = (AGENT_PROFILE_ERROR_CODES as readonly string[]).includes(reply.error.code);
    const code = known ? (reply.error.code as AgentProfileFailureCode) : 'profile_failed';
    throw new AgentProfileError(code, `agent ${agentId}: ${reply.error.code}: ${reply.error.message}`, true);
  }
  const wanted = req.kind ?? 'cpu';
  if (reply.kind !== wanted) throw invalid(agentId, `asked for a ${wanted} profile, got ${reply.kind}`);
  const maxBytes = opts.maxProfileBytes ?? DEFAULT_MAX_PROFILE_BYTES;
  if (reply.size_bytes > maxBytes) throw invalid(agentId, `profile of ${reply.size_bytes} bytes exceeds the ${maxBytes}-byte bound`);
  let bytes: Buffer;
  try {
    bytes = await gunzipAsync(Buffer.from(reply.data, 'base64'), { maxOutputLength: maxBytes });
  } catch (err) {
    throw invalid(agentId, `profile data is not gzip within ${maxBytes} bytes: ${(err as Error).message}`, err);
  }
  if (bytes.length !== reply.size_bytes) throw invalid(agentId, `profile is ${bytes.length} bytes, the reply says ${reply.size_bytes}`);
  return {
    agentId: reply.agent_id,
    ...(reply.request_id !== undefined ? { requestId: reply.request_id } : {}),
    kind: reply.kind,
    startedAt: reply.started_at,
    durationMs: reply.duration_ms,
    ...(reply.sample_count !== undefined ? { sampleCount: reply.sample_count } : {}),
    bytes,
    ...(reply.heap_statistics ? { heapStatistics: reply.heap_statistics } : {}),
  };
}

function invalid(agentId: string, why: string, cause?: unknown): AgentProfileError {
  return new AgentProfileError('invalid_reply', `agent ${agentId} sent an invalid profile reply: ${why}`, false, cause === undefined ? undefined : { cause });
}

/** A reply is flat JSON around one long base64 string: anything deeper or wider is not one. */
const REPLY_SHAPE = { maxBytes: Number.POSITIVE_INFINITY, maxDepth: 8, maxKeys: 1024 };

function parseReply(data: Uint8Array, agentId: string): AgentProfileReply {
  const violation = checkJsonLimits(data, REPLY_SHAPE);
  if (violation) throw invalid(agentId, violation.message);
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch (err) {
    throw invalid(agentId, `not UTF-8 JSON (${data.length} bytes)`, err);
  }
  if (!checkReply(value)) {
    const e = checkReply.errors?.[0];
    throw invalid(agentId, `reply${e?.instancePath.replace(/\//g, '.') ?? ''}: ${e?.message ?? 'does not match the schema'}`);
  }
  return value;
}
