import type { Logger } from 'pino';
import { replyJson, type Bus, type BusMessage } from '../bus/bus.js';
import { decodeText, encodeJson } from '../wire/json.js';
import { SUBJECTS } from '../wire/subjects.js';
import type { InvalidMessageReporter } from '../bus/invalid-messages.js';
import { maskValue, type ConfigStore } from '../config/config-store.js';
import { formatProblem, type ConfigProblem } from '../config/validate.js';
import { RateLimitedLog } from '../lifecycle/rate-limited-log.js';
import { INBOUND_LIMITS } from '../wire/inbound-limits.js';

/** Problems spelt out in a rejection, and its longest text: a reply stays a few sentences however bad the update. */
const MAX_LISTED_PROBLEMS = 5;
const MAX_REASON_LENGTH = 2000;

/** The problems of a rejected update in one line, the first few in full. */
function describeProblems(problems: readonly ConfigProblem[]): string {
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map(formatProblem).join('; ');
  const more = problems.length > MAX_LISTED_PROBLEMS ? `; ${problems.length} problems in all` : '';
  const text = `${listed}${more}`;
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH - 40)}... (${problems.length} problems in all)` : text;
}

/**
 * Applies live configuration updates from `config.performance_engine_agent.updated`. A bad update
 * is rejected whole (the running configuration stays), logged, counted and announced on
 * `performance.config_rejected`; a good one is announced on `performance.config_applied`.
 */
export class LiveConfigUpdates {
  readonly name = 'config-updates';
  #unsubscribe: (() => void) | null = null;
  #applied = 0;
  #rejected = 0;
  readonly #limited: RateLimitedLog;

  constructor(
    private readonly bus: Bus,
    private readonly store: ConfigStore,
    private readonly invalid: InvalidMessageReporter,
    private readonly log: Logger,
  ) {
    this.#limited = new RateLimitedLog(log);
  }

  start(): void {
    this.#unsubscribe = this.bus.subscribe(SUBJECTS.configUpdated, (m) => this.handle(m), {
      limits: INBOUND_LIMITS.configUpdated,
      onRefused: (m, code, reason) => this.#reject(m, code, reason),
    });
  }

  /** Handles one update message. */
  handle(msg: BusMessage): void {
    let update: unknown;
    try {
      update = JSON.parse(decodeText(msg.data));
    } catch (err) {
      this.#reject(msg, 'bad_json', `not JSON: ${(err as Error).message}`);
      return;
    }
    const before = this.store.current;
    const result = this.store.applyUpdate(update, 'live');
    if (!result.ok) {
      this.#reject(msg, 'invalid_config', describeProblems(result.problems));
      return;
    }
    this.#applied++;
    const changes = Object.fromEntries(
      result.changed.map((k) => [k, { from: maskValue(k, before[k]), to: maskValue(k, this.store.current[k]) }]),
    );
    this.log.info({ origin: `live (${msg.subject})`, changes }, 'live configuration update applied');
    this.bus.publish(SUBJECTS.configApplied, encodeJson({ changed: result.changed, at: new Date().toISOString() }));
    replyJson(this.bus, msg, { ok: true, changed: result.changed });
  }

  #reject(msg: BusMessage, code: string, reason: string): void {
    this.#rejected++;
    this.#limited.warn(`rejected ${code}`, { code, reason }, 'live configuration update rejected; running configuration unchanged');
    this.invalid.report(msg.subject, code, reason, msg.data);
    this.bus.publish(SUBJECTS.configRejected, encodeJson({ code, reason, at: new Date().toISOString() }));
    replyJson(this.bus, msg, { ok: false, error: { code, message: reason } });
  }

  stats(): { applied: number; rejected: number } {
    return { applied: this.#applied, rejected: this.#rejected };
  }

  stop(): void {
    this.#unsubscribe?.();
  }
}
