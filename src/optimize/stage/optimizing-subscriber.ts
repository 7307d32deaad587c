import type { Logger } from 'pino';
import { replyJson, type Bus, type BusMessage } from '../../bus/bus.js';
import type { InvalidMessageReporter } from '../../bus/invalid-messages.js';
import { parseInboundTimestamp } from '../../wire/common.js';
import { decodeText } from '../../wire/json.js';
import { OptimizationAppliedMessage, OptimizationRolledBackMessage } from '../../wire/optimizing.js';
import { ENGINE_QUEUE, SUBJECTS } from '../../wire/subjects.js';
import { wireAjv } from '../../wire/wire-ajv.js';
import { unstorableTextAt, unstorableTextReason } from '../../wire/storable-text.js';
import type { CommandResult, OptimizationService } from './optimization-service.js';

const checkApplied = wireAjv.compile<OptimizationAppliedMessage>(OptimizationAppliedMessage);
const checkRolledBack = wireAjv.compile<OptimizationRolledBackMessage>(OptimizationRolledBackMessage);

/** Largest announcement accepted, bytes (one is a few hundred). */
const MAX_BYTES = 64 * 1024;

type Check<T> = ((v: unknown) => v is T) & { errors?: { instancePath: string; message?: string }[] | null };

/**
 * The optimizing engine's announcements: `optimizing.optimization_applied` (a proposal it applied,
 * or a change of its own, judged the same way) and `optimizing.optimization_rolled_back` (it
 * applied an undo; the rollback is judged too). Each is validated at the edge (an invalid one is
 * rejected whole, counted and announced), and answered `{"ok": true, "optimization_id"}` or with
 * the refusal's code (`not_found` for an id the engine never proposed, `conflict`...).
 */
export class OptimizingSubscriber {
  readonly name = 'optimizing-subscriber';
  #unsubscribe: (() => void)[] = [];
  #handled = 0;

  constructor(
    private readonly bus: Bus,
    private readonly service: OptimizationService,
    private readonly invalid: InvalidMessageReporter,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.#unsubscribe = [
      this.bus.subscribe(SUBJECTS.optimizationApplied, (m) => void this.#handle(m, checkApplied, (v) => this.service.announceApplied(v)), { queue: ENGINE_QUEUE }),
      this.bus.subscribe(SUBJECTS.optimizationRolledBack, (m) => void this.#handle(m, checkRolledBack, (v) => this.service.markRolledBack(v.optimization_id, parseInboundTimestamp(v.rolled_back_at), 'optimizing_engine')), { queue: ENGINE_QUEUE }),
    ];
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.#unsubscribe = [];
  }

  /** Announcements handled since start. */
  get handled(): number {
    return this.#handled;
  }

  async #handle<T>(msg: BusMessage, check: Check<T>, act: (v: T) => Promise<CommandResult>): Promise<void> {
    if (msg.data.byteLength > MAX_BYTES) return this.#reject(msg, 'too_large', `message of ${msg.data.byteLength} bytes exceeds ${MAX_BYTES}`);
    let value: unknown;
    try {
      value = JSON.parse(decodeText(msg.data));
    } catch (err) {
      return this.#reject(msg, 'bad_json', `not JSON: ${(err as Error).message}`);
    }
    if (!check(value)) {
      const e = check.errors?.[0];
      return this.#reject(msg, 'bad_shape', `message${e?.instancePath.replace(/\//g, '.') ?? ''}: ${e?.message ?? 'invalid'}`);
    }
    const unstorable = unstorableTextAt(value);
    if (unstorable !== null) return this.#reject(msg, 'bad_shape', unstorableTextReason(`message.${unstorable}`));
    this.#handled++;
    try {
      const r = await act(value);
      if (r.ok) replyJson(this.bus, msg, { ok: true, optimization_id: r.record.id, status: r.record.status });
      else {
        this.log.info({ subject: msg.subject, code: r.code, reason: r.message }, 'optimizing announcement refused');
        replyJson(this.bus, msg, { ok: false, error: { code: r.code, message: r.message } });
      }
    } catch (err) {
      this.log.error({ err, subject: msg.subject }, 'optimizing announcement failed');
      replyJson(this.bus, msg, { ok: false, error: { code: 'internal', message: 'the engine could not record it; retry' } });
    }
  }

  #reject(msg: BusMessage, code: string, reason: string): void {
    this.invalid.report(msg.subject, code, reason, msg.data);
    replyJson(this.bus, msg, { ok: false, error: { code, message: reason } });
  }
}
