import { wireAjv } from '../../wire/wire-ajv.js';
import type { Logger } from 'pino';
import { replyJson, type Bus, type BusMessage } from '../../bus/bus.js';
import { decodeText } from '../../wire/json.js';
import { ENGINE_QUEUE, SUBJECTS } from '../../wire/subjects.js';
import { ProfileRequestMessage } from '../../wire/inbound.js';
import type { InvalidMessageReporter } from '../../bus/invalid-messages.js';
import type { ProfileJob, ProfileService } from './profile-service.js';
import { INBOUND_LIMITS } from '../../wire/inbound-limits.js';
import { RateLimitedLog } from '../../lifecycle/rate-limited-log.js';
import { unstorableTextAt, unstorableTextReason } from '../../wire/storable-text.js';

const checkRequest = wireAjv.compile<ProfileRequestMessage>(ProfileRequestMessage);

/** Largest request accepted, bytes (a profile request is a few hundred). */
const MAX_REQUEST_BYTES = INBOUND_LIMITS.profileRequest.maxBytes;

/** Turns a validated request into a job. */
export function jobFromRequest(req: ProfileRequestMessage): ProfileJob {
  return {
    target: req.target,
    kind: req.kind ?? 'cpu',
    durationSeconds: req.duration_seconds ?? 10,
    ...(req.sampling_interval_us !== undefined ? { samplingIntervalUs: req.sampling_interval_us } : {}),
    requestId: req.request_id ?? null,
    trigger: 'request',
  };
}

/**
 * Handles `orchestrator.profile_request`: validates at the edge (an invalid message is rejected
 * whole, counted, announced, and answered with its reason), then asks the service to start the
 * profile. The reply says `{ok: true, profile_id, ...}` or gives the refusal's code; a refusal is
 * also published on `performance.profile_report`, so a requester without a reply subject learns of it.
 */
export class ProfileRequestHandler {
  readonly name = 'profile-requests';
  #unsubscribe: (() => void) | null = null;
  readonly #limited: RateLimitedLog;

  constructor(
    private readonly bus: Bus,
    private readonly service: ProfileService,
    private readonly invalid: InvalidMessageReporter,
    log: Logger,
  ) {
    this.#limited = new RateLimitedLog(log);
  }

  start(): void {
    this.#unsubscribe = this.bus.subscribe(SUBJECTS.profileRequest, (m) => this.handle(m), {
      queue: ENGINE_QUEUE,
      limits: INBOUND_LIMITS.profileRequest,
      onRefused: (m, code, reason) => this.#reject(m, code, reason),
    });
  }

  stop(): void {
    this.#unsubscribe?.();
  }

  /** Handles one request message. */
  handle(msg: BusMessage): void {
    if (msg.data.byteLength > MAX_REQUEST_BYTES) return this.#reject(msg, 'too_large', `message of ${msg.data.byteLength} bytes exceeds ${MAX_REQUEST_BYTES}`);
    let value: unknown;
    try {
      value = JSON.parse(decodeText(msg.data));
    } catch (err) {
      return this.#reject(msg, 'bad_json', `not JSON: ${(err as Error).message}`);
    }
    if (!checkRequest(value)) {
      const e = checkRequest.errors?.[0];
      const where = `request${e?.instancePath.replace(/\//g, '.') ?? ''}`;
      const why = e?.keyword === 'anyOf' && e.instancePath === '/target' ? 'must be {"agent_id": NAME}, {"pid": N} or {"self": true}' : (e?.message ?? 'invalid');
      return this.#reject(msg, 'bad_shape', `${where}: ${why}`);
    }
    const unstorable = unstorableTextAt(value);
    if (unstorable !== null) return this.#reject(msg, 'bad_shape', unstorableTextReason(`request.${unstorable}`));
    const job = jobFromRequest(value);
    const result = this.service.start(job);
    if (result.ok) {
      replyJson(this.bus, msg, {
        ok: true,
        profile_id: result.profileId,
        request_id: job.requestId,
        target: job.target,
        kind: job.kind,
        duration_seconds: job.durationSeconds,
      });
      return;
    }
    this.#limited.info(`refused ${result.code}`, { code: result.code, reason: result.message, target: job.target }, 'profile request refused');
    replyJson(this.bus, msg, { ok: false, request_id: job.requestId, error: { code: result.code, message: result.message } });
    this.service.publishRefusal(job, result.code, result.message);
  }

  #reject(msg: BusMessage, code: string, reason: string): void {
    this.invalid.report(msg.subject, code, reason, msg.data);
    replyJson(this.bus, msg, { ok: false, error: { code, message: reason } });
  }
}
