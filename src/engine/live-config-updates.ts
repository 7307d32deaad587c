import type { Logger } from 'pino';
import { replyJson, type Bus, type BusMessage } from '../bus/bus.js';
import { decodeText, encodeJson } from '../wire/json.js';
import { SUBJECTS } from '../wire/subjects.js';
import type { InvalidMessageReporter } from '../bus/invalid-messages.js';
import { maskValue, type ConfigStore } from '../config/config-store.js';
import { formatProblem } from '../config/validate.js';

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

  constructor(
    private readonly bus: Bus,
    private readonly store: ConfigStore,
    private readonly invalid: InvalidMessageReporter,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.#unsubscribe = this.bus.subscribe(SUBJECTS.configUpdated, (m) => this.handle(m));
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
      this.#reject(msg, 'invalid_config', result.problems.map(formatProblem).join('; '));
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
    this.log.warn({ code, reason }, 'live configuration update rejected; running configuration unchanged');
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
