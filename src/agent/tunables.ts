import type { Logger } from 'pino';
import type { Bus, BusMessage } from '../bus/bus.js';
import type { Component } from '../lifecycle/component.js';
import { isValidName } from '../model/metric-names.js';
import { TUNABLE_NAME_PATTERN, type TunableDescriptor, type TunableRole, type TunableValue } from '../model/agent-tunable.js';
import { type AgentConfigErrorCode, type CheckedTunable, checkConfigUpdate, checkTunableValue, compileTunable } from '../wire/agent-config.js';
import { encodeJson } from '../wire/json.js';
import { agentConfigSubject, agentTunablesSubject } from '../wire/subjects.js';

/** The TypeScript type of a tunable's value, from its declared type. */
export type TunableValueOf<K extends TunableDescriptor['type']> = K extends 'integer' | 'number' ? number : K extends 'boolean' ? boolean : string;

/** How an agent declares a tunable (see docs/sdk.md#tunables). */
export interface TunableOptions<K extends TunableDescriptor['type']> {
  readonly type: K;
  /** The starting value; it must fit the bounds. */
  readonly value: TunableValueOf<K>;
  /** Inclusive bounds, required for `integer` and `number`: the agent's own protection, which no update widens. */
  readonly minimum?: number;
  readonly maximum?: number;
  /** Allowed values of a `string` tunable. */
  readonly enum?: readonly string[];
  readonly role?: TunableRole;
  /** Metrics the setting moves. */
  readonly affects?: readonly string[];
  readonly description: string;
  /** False: published, but never changed by an update. Default true. */
  readonly live?: boolean;
  /** Puts a new value into effect; may be async. Throwing refuses the update (`apply_failed`). */
  readonly apply: (value: TunableValueOf<K>, previous: TunableValueOf<K>) => void | Promise<void>;
}

/** A declared tunable: its current value, and a local setter checked like a remote update. */
export interface Tunable<T extends TunableValue> {
  readonly name: string;
  readonly value: T;
  /** Sets the value locally (validated and applied like a remote update). */
  set(value: T): Promise<void>;
}

interface Entry extends CheckedTunable {
  descriptor: TunableDescriptor;
  readonly apply: (value: TunableValue, previous: TunableValue) => void | Promise<void>;
}

/** A refused update: the code and message of the reply. */
export class TunableUpdateError extends Error {
  override readonly name = 'TunableUpdateError';
  constructor(
    readonly code: AgentConfigErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * An agent's tunables: declared with bounds by the agent, published on `agent.<agent_id>.tunables`,
 * changed by `config.<agent_id>.updated`. An update is checked whole (every key known, live, of its
 * type and within its bounds) before anything is applied; its values are then applied in message
 * order, and when one fails to apply, those applied before it are put back. Updates run one at a
 * time. Each applied update is logged with its changes.
 */
export class AgentTunables implements Component {
  readonly name = 'tunables';
  readonly #entries = new Map<string, Entry>();
  #queue: Promise<unknown> = Promise.resolve();
  #unsubscribe: (() => void)[] = [];

  constructor(
    private readonly agentId: string,
    private readonly bus: () => Bus,
    private readonly log: Logger,
  ) {}

  /** Declares a tunable; throws when the declaration itself is invalid or the name is taken. */
  declare<K extends TunableDescriptor['type']>(name: string, o: TunableOptions<K>): Tunable<TunableValueOf<K>> {
    if (!new RegExp(TUNABLE_NAME_PATTERN).test(name)) throw new Error(`tunable name "${name}" must be 1-64 of a-z 0-9 _, starting with a letter`);
    if (this.#entries.has(name)) throw new Error(`tunable ${name} is declared twice`);
    if ((o.type === 'integer' || o.type === 'number') && (o.minimum === undefined || o.maximum === undefined || o.minimum > o.maximum)) {
      throw new Error(`tunable ${name}: a ${o.type} needs minimum <= maximum`);
    }
    const bad = (o.affects ?? []).find((m) => !isValidName(m));
    if (bad !== undefined) throw new Error(`tunable ${name}: "${bad}" is not a metric name`);
    const descriptor: TunableDescriptor = {
      name,
      type: o.type,
      value: o.value,
      default: o.value,
      ...(o.minimum !== undefined ? { minimum: o.minimum } : {}),
      ...(o.maximum !== undefined ? { maximum: o.maximum } : {}),
      ...(o.enum ? { enum: [...o.enum] } : {}),
      ...(o.role ? { role: o.role } : {}),
      affects: [...(o.affects ?? [])],
      description: o.description,
      live: o.live ?? true,
    };
    const entry: Entry = { ...compileTunable(descriptor), apply: o.apply as Entry['apply'] };
    if (!entry.validate(o.value)) throw new Error(`tunable ${name}: the starting value ${JSON.stringify(o.value)} does not fit its type and bounds`);
    this.#entries.set(name, entry);
    return {
      name,
      get value() {
        return entry.descriptor.value as TunableValueOf<K>;
      },
      set: async (value) => {
        // Locally, a tunable that is not live may change too; its type and bounds still hold.
        const bad = checkTunableValue(entry, value);
        if (bad) throw new TunableUpdateError(bad.code, bad.message);
        await this.#serialized(() => this.#apply([[name, value]], 'local'));
      },
    };
  }

  /** The tunables as published. */
  descriptors(): TunableDescriptor[] {
    return [...this.#entries.values()].map((e) => e.descriptor);
  }

  /**
   * Checks and applies an update (the body of `config.<agent_id>.updated`); resolves with the
   * changes, rejects with a `TunableUpdateError`. Queued behind any update in progress.
   */
  update(body: unknown, origin = 'bus'): Promise<{ changed: { key: string; previous: TunableValue; value: TunableValue }[]; unchanged: string[] }> {
    return this.#serialized(() => {
      const check = checkConfigUpdate(this.#entries, body);
      if (!check.ok) throw new TunableUpdateError(check.code, check.message);
      return this.#apply(check.values, origin);
    });
  }

  start(): void {
    const bus = this.bus();
    this.#unsubscribe = [
      bus.subscribe(agentConfigSubject(this.agentId), (m) => void this.#onUpdate(bus, m)),
      bus.subscribe(agentTunablesSubject(this.agentId), (m) => {
        if (m.reply) bus.publish(m.reply, encodeJson({ ok: true, agent_id: this.agentId, tunables: this.descriptors() }));
      }),
    ];
  }

  async stop(): Promise<void> {
    for (const u of this.#unsubscribe) u();
    this.#unsubscribe = [];
    await this.#queue;
  }

  async #onUpdate(bus: Bus, m: BusMessage): Promise<void> {
    const reply = (payload: unknown): void => {
      if (m.reply) bus.publish(m.reply, encodeJson(payload));
    };
    let body: unknown;
    try {
      body = JSON.parse(decoder.decode(m.data));
    } catch (err) {
      reply({ ok: false, error: { code: 'invalid_json', message: `the update is not UTF-8 JSON: ${(err as Error).message}` } });
      return;
    }
    try {
      const r = await this.update(body);
      reply({ ok: true, agent_id: this.agentId, ...r, at: new Date().toISOString() });
    } catch (err) {
      const code = err instanceof TunableUpdateError ? err.code : 'apply_failed';
      this.log.warn({ code, err: (err as Error).message }, 'configuration update refused');
      reply({ ok: false, error: { code, message: (err as Error).message } });
    }
  }

  #serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #apply(values: readonly (readonly [string, TunableValue])[], origin: string) {
    const changed: { key: string; previous: TunableValue; value: TunableValue }[] = [];
    const unchanged: string[] = [];
    for (const [key, value] of values) {
      const e = this.#entries.get(key)!;
      const previous = e.descriptor.value;
      if (previous === value) {
        unchanged.push(key);
        continue;
      }
      try {
        await e.apply(value, previous);
      } catch (err) {
        await this.#revert(changed);
        throw new TunableUpdateError('apply_failed', `${key}: applying ${JSON.stringify(value)} failed: ${(err as Error).message}`);
      }
      e.descriptor = { ...e.descriptor, value };
      changed.push({ key, previous, value });
    }
    if (changed.length > 0) this.log.info({ origin, changed }, `tunables updated: ${changed.map((c) => `${c.key} ${c.previous} -> ${c.value}`).join(', ')}`);
    return { changed, unchanged };
  }

  async #revert(changed: readonly { key: string; previous: TunableValue; value: TunableValue }[]): Promise<void> {
    for (const c of [...changed].reverse()) {
      const e = this.#entries.get(c.key)!;
      try {
        await e.apply(c.previous, c.value);
        e.descriptor = { ...e.descriptor, value: c.previous };
      } catch (err) {
        this.log.error({ err, key: c.key }, `could not put ${c.key} back to ${String(c.previous)} after a failed update`);
      }
    }
  }
}
