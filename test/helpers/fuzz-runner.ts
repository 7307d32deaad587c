import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Db } from '../../src/store/db.js';
import type { FuzzCase } from './fuzz-subjects.js';

/** What the fuzzer drives: a running engine (and SDK agent) on real NATS and PostgreSQL. */
export interface FuzzEnv {
  /** A plain client acting as the outside world. */
  readonly nc: NatsConnection;
  /** Subject prefix of the engine under test. */
  readonly prefix: string;
  readonly db: Db;
  /** Base URL of the engine's HTTP server. */
  readonly http: string;
  /** The engine's running configuration as JSON (unchanged by a rejected update). */
  configJson(): string;
}

/** One inbound subject under test. */
export interface FuzzSubject {
  /** The subject without prefix, e.g. `monitoring.realtime_metrics`. */
  readonly name: string;
  /** Codes a refusal may carry; anything else (and `internal`) fails the property. */
  readonly codes: readonly string[];
  readonly timeoutMs: number;
}

/** A reply as the wire contract shapes it. */
type Reply = { ok: true; [k: string]: unknown } | { ok: false; error: { code: string; message: string } };

/** Tallies of one subject's run. */
export interface FuzzCounts {
  cases: number;
  accepted: number;
  rejected: number;
  /** Samples the engine said it committed for accepted realtime messages. */
  acceptedSamples: number;
  byCode: Record<string, number>;
}

/** Source and metric of the valid snapshots sent between adversarial messages. */
export const COMPANION = { source: 'fz-companion', metric: 'companion_seq' } as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The codes each subject answers a refusal with (docs/subjects.md). */
export const SUBJECT_CODES = {
  realtime: ['bad_json', 'bad_shape', 'bad_timestamp', 'old_timestamp', 'future_timestamp', 'too_many_snapshots', 'too_large', 'too_deep', 'too_many_keys', 'too_many_sources', 'too_many_streams', 'too_many_labels', 'label_too_long'],
  config: ['bad_json', 'invalid_config', 'too_large', 'too_deep', 'too_many_keys'],
  profileRequest: ['bad_json', 'bad_shape', 'too_large', 'too_deep', 'too_many_keys', 'busy', 'too_many', 'too_long', 'not_allowed', 'not_found', 'unsupported', 'tool_missing', 'failed'],
  agentProfile: ['invalid_request', 'busy', 'too_large', 'profile_failed'],
} as const;

/**
 * Sends adversarial messages one subject at a time and checks each answer against the wire
 * contract, then checks what must hold afterwards. Between two adversarial messages it publishes a
 * valid snapshot without a reply subject (fire-and-forget, the kind that an outage loses), so
 * `finish` can prove the engine kept consuming and storing throughout.
 */
export class FuzzDriver {
  #seq = 0;
  #companions = 0;
  readonly counts = new Map<string, FuzzCounts>();

  constructor(private readonly env: FuzzEnv) {}

  /** The payload of a case, with `@ID@` replaced by `id`. */
  static payload(c: FuzzCase, id: string): Uint8Array {
    return c.bytes ?? encoder.encode(c.text!.replaceAll('@ID@', id));
  }

  /** Sends one case, checks its answer and what it left behind, then sends a companion snapshot. */
  async one(s: FuzzSubject, c: FuzzCase, opts: { checkConfig?: boolean } = {}): Promise<Reply> {
    const id = `fz${++this.#seq}`;
    const payload = FuzzDriver.payload(c, id);
    const configBefore = opts.checkConfig ? this.env.configJson() : null;
    const m = await this.env.nc.request(`${this.env.prefix}${s.name}`, payload, { timeout: s.timeoutMs });
    const reply = checkReply(decoder.decode(m.data), s, c);
    const t = this.#tally(s.name);
    t.cases++;
    if (reply.ok) {
      t.accepted++;
      if (typeof reply.samples === 'number') t.acceptedSamples += reply.samples;
    } else {
      t.rejected++;
      t.byCode[reply.error.code] = (t.byCode[reply.error.code] ?? 0) + 1;
      if (configBefore !== null) assert.equal(this.env.configJson(), configBefore, `a rejected update changed the configuration (${c.kind})`);
      if (s.name === 'monitoring.realtime_metrics') await this.#assertNothingStored(id, c);
    }
    this.companion();
    return reply;
  }

  /** Publishes one valid snapshot, fire-and-forget. */
  companion(): void {
    const n = ++this.#companions;
    const snap = { source: COMPANION.source, timestamp: Date.now(), metrics: { [COMPANION.metric]: n } };
    this.env.nc.publish(`${this.env.prefix}monitoring.realtime_metrics`, encoder.encode(JSON.stringify(snap)));
  }

  /** Companions published so far. */
  get companions(): number {
    return this.#companions;
  }

  async #assertNothingStored(id: string, c: FuzzCase): Promise<void> {
    const r = await this.env.db.query<{ n: number }>('SELECT count(*)::int AS n FROM metric_streams WHERE source = $1', [id]);
    assert.equal(r.rows[0]!.n, 0, `a rejected message left a stream behind (${c.kind})`);
  }

  #tally(name: string): FuzzCounts {
    let t = this.counts.get(name);
    if (!t) this.counts.set(name, (t = { cases: 0, accepted: 0, rejected: 0, acceptedSamples: 0, byCode: {} }));
    return t;
  }
}

/** Parses and checks a reply: an object with `ok`, and for a refusal a known code and a sentence. */
function checkReply(text: string, s: FuzzSubject, c: FuzzCase): Reply {
  const reply = JSON.parse(text) as Reply;
  const where = `${s.name} (${c.kind}): ${text.slice(0, 300)}`;
  assert.equal(typeof reply, 'object', where);
  assert.equal(typeof reply.ok, 'boolean', where);
  if (!reply.ok) {
    assert.ok(s.codes.includes(reply.error?.code), `unexpected code, ${where}`);
    assert.equal(typeof reply.error.message, 'string', where);
    assert.ok(reply.error.message.length > 0 && reply.error.message.length <= 4096, `reason missing or too long, ${where}`);
  }
  return reply;
}

/** Samples stored by the engine for `source`, through the contract's `system_metrics` view. */
export async function storedSamples(db: Db, source: string, not = false): Promise<number> {
  const r = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM system_metrics WHERE source ${not ? '<>' : '='} $1`, [source]);
  return r.rows[0]!.n;
}

/** What `/readyz` says: status, reader liveness and every subscription's. */
export async function readiness(http: string): Promise<{ status: number; readerAlive: boolean; subscriptionsAlive: boolean; failed: number }> {
  const res = await fetch(`${http}/readyz`);
  const body = (await res.json()) as { bus: { readerAlive: boolean; subscriptions: { alive: boolean; failed: number }[] } };
  const subs = body.bus.subscriptions;
  return {
    status: res.status,
    readerAlive: body.bus.readerAlive,
    subscriptionsAlive: subs.length > 0 && subs.every((x) => x.alive),
    failed: subs.reduce((n, x) => n + x.failed, 0),
  };
}
