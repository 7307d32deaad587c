import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { wireAjv } from '../../wire/wire-ajv.js';
import type { Logger } from 'pino';
import { type Bus, type BusMessage } from '../../bus/bus.js';
import { encodeJson } from '../../wire/json.js';
import { agentProfileSubject } from '../../wire/subjects.js';
import { AgentProfileRequest, type AgentProfileErrorCode, type AgentProfileSuccess } from '../../wire/agent-profile.js';
import type { Component } from '../../lifecycle/component.js';
import type { ProfileKind } from '../../model/profile.js';
import { CaptureError, type CapturedProfile } from '../../profile/capture/capture-types.js';
import { captureInProcess } from '../../profile/capture/in-process.js';
import { eagerCpuProfiler } from '../../profile/capture/eager-cpu-profiler.js';
import { INBOUND_LIMITS } from '../../wire/inbound-limits.js';

const gzipAsync = promisify(gzip);
const checkRequest = wireAjv.compile<AgentProfileRequest>(AgentProfileRequest);
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * NATS's default `max_payload` (1 MiB): a reply above the server's limit would be dropped, so the
 * whole reply, base64 included, must stay under it.
 */
export const DEFAULT_MAX_REPLY_BYTES = 1024 * 1024;

/** Options of the in-process profiler. */
export interface ProfilerOptions {
  /** Largest reply sent, bytes; raise it only with the server's `max_payload`. Default 1 MiB. */
  readonly maxReplyBytes?: number;
  /**
   * Prepare V8's CPU profiler when the agent starts (default true): its one walk of the heap
   * happens then, before the agent serves, and every CPU profile starts without stalling the
   * loop. false: the first CPU profile prepares it, stalling the loop about 1.5 ms per MB of heap.
   */
  readonly prepareCpuProfiler?: boolean;
}

interface ActiveProfile {
  readonly kind: string;
  readonly endsAt: number;
  readonly abort: AbortController;
  readonly done: Promise<void>;
}

/** Largest raw profile recorded before the reply cap is even considered (the reply cap is what binds). */
const MAX_RAW_BYTES = 512 * 1024 * 1024;

/**
 * Answers `agent.<agent_id>.profile` requests in-process (no debug port): a CPU profile, a
 * sampling heap profile or an event-loop report over the requested duration, one at a time (a
 * second request is refused at once with `busy`), gzipped and base64-encoded into a JSON reply
 * that must fit `maxReplyBytes` (else `too_large`). Stopping the agent abandons a running capture
 * and answers it with `unavailable`.
 */
export class ProfileResponder implements Component {
  readonly name = 'profiler';
  #active: ActiveProfile | null = null;
  #unsubscribe: (() => void) | null = null;
  readonly #maxReplyBytes: number;
  readonly #prepareCpuProfiler: boolean;

  constructor(
    private readonly agentId: string,
    private readonly bus: () => Bus,
    private readonly log: Logger,
    opts: ProfilerOptions = {},
  ) {
    this.#maxReplyBytes = opts.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
    this.#prepareCpuProfiler = opts.prepareCpuProfiler ?? true;
  }

  start(): void {
    if (this.#prepareCpuProfiler) this.#prepare();
    this.#unsubscribe = this.bus().subscribe(agentProfileSubject(this.agentId), (m) => this.#handle(m), {
      limits: INBOUND_LIMITS.agentProfile,
      onRefused: (m, _code, reason) => this.#refuse(m, 'invalid_request', reason),
    });
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    const active = this.#active;
    if (active) {
      active.abort.abort();
      await active.done;
    }
  }

  #prepare(): void {
    const t0 = performance.now();
    if (eagerCpuProfiler.prepare()) this.log.debug({ ms: Math.round(performance.now() - t0) }, 'CPU profiler prepared (eager code logging)');
    else this.log.info({ reason: eagerCpuProfiler.unavailableReason() }, 'eager CPU profiler unavailable: CPU profiles start through node:inspector, stalling the loop about 1.5 ms per MB of heap');
  }

  health() {
    // Which CPU profiler a profile would use now: prepared eager, or the inspector's (a start that walks the heap).
    const cpuProfiler = eagerCpuProfiler.prepared() ? 'eager' : 'inspector';
    return { ready: true, detail: { profiling: this.#active ? this.#active.kind : null, cpu_profiler: cpuProfiler } };
  }

  #reply(msg: BusMessage, value: Record<string, unknown>): void {
    if (msg.reply) this.bus().publish(msg.reply, encodeJson(value));
  }

  #refuse(msg: BusMessage, code: AgentProfileErrorCode, message: string, requestId?: string): void {
    this.#reply(msg, { ok: false, agent_id: this.agentId, ...(requestId ? { request_id: requestId } : {}), error: { code, message } });
  }

  #handle(msg: BusMessage): void {
    let req: unknown;
    try {
      req = JSON.parse(decoder.decode(msg.data));
    } catch (err) {
      this.#refuse(msg, 'invalid_request', `request is not UTF-8 JSON: ${(err as Error).message}`);
      return;
    }
    if (!checkRequest(req)) {
      const e = checkRequest.errors?.[0];
      this.#refuse(msg, 'invalid_request', `request${e?.instancePath.replace(/\//g, '.') ?? ''}: ${e?.message ?? 'invalid'}`);
      return;
    }
    if (this.#active) {
      const left = Math.max(0, Math.ceil((this.#active.endsAt - Date.now()) / 1000));
      this.#refuse(msg, 'busy', `a ${this.#active.kind} profile is running (about ${left} s left); one profile at a time`, req.request_id);
      return;
    }
    const kind = req.kind ?? 'cpu';
    const durationMs = Math.round((req.duration_seconds ?? 10) * 1000);
    const abort = new AbortController();
    const done = this.#run(msg, req, abort.signal)
      .catch((err: unknown) => {
        // Another profile of this process (the engine's own, when it shares the process) is `busy`, not a failure.
        if (err instanceof CaptureError && err.code === 'busy') return this.#refuse(msg, 'busy', err.message, req.request_id);
        this.log.error({ err, kind }, 'profile failed');
        this.#refuse(msg, 'profile_failed', `${kind} profile failed: ${(err as Error).message}`, req.request_id);
      })
      .finally(() => {
        this.#active = null;
      });
    this.#active = { kind, endsAt: Date.now() + durationMs, abort, done };
  }

  async #run(msg: BusMessage, req: AgentProfileRequest, signal: AbortSignal): Promise<void> {
    const kind = req.kind ?? 'cpu';
    const durationMs = Math.round((req.duration_seconds ?? 10) * 1000);
    const startedAt = new Date();
    const t0 = performance.now();
    this.log.info({ kind, durationMs, requestId: req.request_id }, 'profile started');
    const captured = await this.#capture(req, kind, durationMs, signal);
    if (signal.aborted) {
      this.#refuse(msg, 'unavailable', 'the agent is stopping; the profile was abandoned', req.request_id);
      return;
    }
    const durationActual = Math.round(performance.now() - t0);
    await this.#send(msg, req, kind, startedAt, durationActual, captured);
  }

  #capture(req: AgentProfileRequest, kind: ProfileKind, durationMs: number, signal: AbortSignal): Promise<CapturedProfile> {
    return captureInProcess({
      kind,
      durationMs,
      maxBytes: MAX_RAW_BYTES,
      signal,
      ...(req.sampling_interval_us !== undefined ? { samplingIntervalUs: req.sampling_interval_us } : {}),
      ...(req.heap_sampling_interval_bytes !== undefined ? { heapIntervalBytes: req.heap_sampling_interval_bytes } : {}),
      ...(req.heap_include_collected !== undefined ? { heapIncludeCollected: req.heap_include_collected } : {}),
      ...(req.event_loop_resolution_ms !== undefined ? { loopResolutionMs: req.event_loop_resolution_ms } : {}),
      ...(req.block_threshold_ms !== undefined ? { blockThresholdMs: req.block_threshold_ms } : {}),
    });
  }

  async #send(msg: BusMessage, req: AgentProfileRequest, kind: string, startedAt: Date, durationMs: number, c: CapturedProfile): Promise<void> {
    const raw = c.raw;
    const zipped = await gzipAsync(raw);
    const sampleCount = typeof c.extra.sample_count === 'number' ? c.extra.sample_count : undefined;
    const heapStatistics = c.extra.heap_statistics as AgentProfileSuccess['heap_statistics'] | undefined;
    const data = zipped.toString('base64');
    const cap = Math.min(this.#maxReplyBytes, req.max_bytes ?? Infinity);
    const reply = {
      ok: true,
      agent_id: this.agentId,
      ...(req.request_id ? { request_id: req.request_id } : {}),
      kind,
      started_at: startedAt.toISOString(),
      duration_ms: durationMs,
      ...(sampleCount !== undefined ? { sample_count: sampleCount } : {}),
      encoding: 'gzip+base64',
      size_bytes: raw.length,
      ...(heapStatistics ? { heap_statistics: heapStatistics } : {}),
      data,
    };
    const encoded = encodeJson(reply);
    if (encoded.length > cap) {
      const mb = (n: number) => `${(n / 1_048_576).toFixed(2)} MiB`;
      this.log.warn({ kind, bytes: encoded.length, cap }, 'profile too large to send');
      this.#refuse(
        msg,
        'too_large',
        `the ${kind} profile is ${mb(raw.length)} (${mb(encoded.length)} as a gzip+base64 reply), above the ${mb(cap)} cap; ask for a shorter duration or a longer sampling interval`,
        req.request_id,
      );
      return;
    }
    this.log.info({ kind, durationMs, bytes: encoded.length, samples: sampleCount }, 'profile sent');
    if (msg.reply) this.bus().publish(msg.reply, encoded);
  }
}
