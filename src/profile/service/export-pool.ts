import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { ProfileKind } from '../../model/profile.js';
import type { ExportFormat } from '../export/export-profile.js';

/** Why an export did not happen: stable codes the API maps to HTTP statuses. */
export const EXPORT_ERROR_CODES = ['bad_format', 'bad_profile', 'too_large', 'busy', 'timeout', 'failed', 'closed'] as const;
/** An export failure code. */
export type ExportErrorCode = (typeof EXPORT_ERROR_CODES)[number];

/** An export that failed or was refused; the message is safe to show (no stack, no path). */
export class ExportError extends Error {
  override readonly name = 'ExportError';
  constructor(
    readonly code: ExportErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Bounds of the pool: input size, time per export (streaming included), exports waiting. */
export interface ExportPoolOptions {
  /** Largest uncompressed raw profile read, bytes; the configuration's largest profile by default. */
  readonly maxRawBytes: number;
  readonly timeoutMs: number;
  /** Exports waiting behind the running one; one more is refused with `busy`. */
  readonly maxQueued: number;
}

/** Defaults: 1 GiB (the most `profiling_max_profile_bytes` allows), two minutes, four waiting. */
export const DEFAULT_EXPORT_POOL_OPTIONS: Readonly<ExportPoolOptions> = Object.freeze({ maxRawBytes: 1 << 30, timeoutMs: 120_000, maxQueued: 4 });

/** An export under way: the profile's kind, and the bytes as a stream. */
export interface ExportedProfile {
  readonly kind: ProfileKind;
  readonly body: Readable;
}

/** Writes stored profiles in an export format away from the caller's event loop. */
export interface ProfileExporter {
  /** Resolves once the profile is read and the first bytes can flow; rejects with an ExportError. */
  export(gzip: Uint8Array, format: ExportFormat, name: string): Promise<ExportedProfile>;
  close(): Promise<void>;
}

/** Messages to the worker: a job, or permission to send one more chunk. */
export type ToWorker =
  | { readonly type: 'job'; readonly gzip: Uint8Array; readonly format: ExportFormat; readonly name: string; readonly maxRawBytes: number }
  | { readonly type: 'pull' };
/** Messages from the worker, in this order: `start` then `chunk`s then `end`, or one `error`. */
export type FromWorker =
  | { readonly type: 'start'; readonly kind: ProfileKind }
  | { readonly type: 'chunk'; readonly data: Uint8Array }
  | { readonly type: 'end' }
  | { readonly type: 'error'; readonly code: ExportErrorCode; readonly message: string };

interface Job {
  readonly gzip: Uint8Array;
  readonly format: ExportFormat;
  readonly name: string;
  readonly resolve: (e: ExportedProfile) => void;
  readonly reject: (err: ExportError) => void;
  stream: Readable | null;
  timer: NodeJS.Timeout | null;
}

/**
 * Starts the worker. From sources (tests, tsx) its module is TypeScript, and Node 20 applies no
 * `--import` loader to a worker's entry module, so that worker registers tsx's loader itself first.
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./export-worker.js', import.meta.url));
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./export-worker.ts', import.meta.url).href);
  return new Worker(`import(${tsx}).then((m) => { m.register(); return import(${entry}); })`, { eval: true });
}

/**
 * One worker thread that reads, analyses and exports profiles, one at a time, so a large export
 * never blocks the thread that acknowledges metrics. Output flows back in 1 MiB chunks, one more
 * each time the HTTP stream asks, so a slow client holds a few chunks, not the whole export. An
 * export past its timeout, or whose client went away, ends by terminating the worker (it may be
 * deep in synchronous work); the next export starts a fresh one.
 */
export class ProfileExportPool implements ProfileExporter {
  readonly #opts: ExportPoolOptions;
  readonly #queue: Job[] = [];
  #worker: Worker | null = null;
  #current: Job | null = null;
  #closed = false;

  constructor(options: Partial<ExportPoolOptions> = {}) {
    this.#opts = { ...DEFAULT_EXPORT_POOL_OPTIONS, ...options };
  }

  export(gzip: Uint8Array, format: ExportFormat, name: string): Promise<ExportedProfile> {
    if (this.#closed) return Promise.reject(new ExportError('closed', 'the exporter is closed'));
    if (this.#queue.length >= this.#opts.maxQueued) return Promise.reject(new ExportError('busy', `${this.#queue.length} exports are waiting; retry later`));
    return new Promise((resolve, reject) => {
      this.#queue.push({ gzip, format, name, resolve, reject, stream: null, timer: null });
      this.#next();
    });
  }

  /** Refuses what waits, ends what runs, and stops the worker. */
  async close(): Promise<void> {
    this.#closed = true;
    const w = this.#worker;
    this.#worker = null;
    for (const job of this.#queue.splice(0)) job.reject(new ExportError('closed', 'the exporter is closed'));
    if (this.#current) this.#abandon(this.#current, new ExportError('closed', 'the exporter is closed'));
    await w?.terminate();
  }

  #next(): void {
    if (this.#current || this.#closed) return;
    const job = this.#queue.shift();
    if (!job) return;
    this.#current = job;
    const worker = this.#worker ?? this.#spawn();
    job.timer = setTimeout(() => this.#abandon(job, new ExportError('timeout', `the export took longer than ${this.#opts.timeoutMs} ms`)), this.#opts.timeoutMs);
    job.timer.unref();
    const msg: ToWorker = { type: 'job', gzip: job.gzip, format: job.format, name: job.name, maxRawBytes: this.#opts.maxRawBytes };
    worker.postMessage(msg);
  }

  #spawn(): Worker {
    const w = startWorker();
    // An idle worker must not keep the process alive; close() terminates it on shutdown.
    w.unref();
    w.on('message', (m: FromWorker) => {
      if (this.#worker === w) this.#onMessage(m);
    });
    w.on('error', (err) => {
      if (this.#worker === w) this.#died(err.message);
    });
    w.on('exit', (code) => {
      if (this.#worker === w) this.#died(`exited with code ${code}`);
    });
    this.#worker = w;
    return w;
  }

  #onMessage(m: FromWorker): void {
    const job = this.#current;
    if (!job) return;
    switch (m.type) {
      case 'start':
        job.stream = this.#streamOf(job);
        job.resolve({ kind: m.kind, body: job.stream });
        return;
      case 'chunk':
        job.stream?.push(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
        return;
      case 'end':
        job.stream?.push(null);
        this.#finish(job, false);
        return;
      case 'error': {
        this.#finish(job, false);
        const err = new ExportError(m.code, m.message);
        if (job.stream) job.stream.destroy(err);
        else job.reject(err);
      }
    }
  }

  #streamOf(job: Job): Readable {
    const stream = new Readable({ read: () => this.#worker?.postMessage({ type: 'pull' } satisfies ToWorker) });
    stream.on('close', () => {
      if (this.#current === job) this.#abandon(job, null);
    });
    return stream;
  }

  /** Ends a job whose worker may be busy with it: the worker is terminated. */
  #abandon(job: Job, err: ExportError | null): void {
    this.#finish(job, true);
    if (job.stream) job.stream.destroy(err ?? undefined);
    else job.reject(err ?? new ExportError('failed', 'the export was abandoned'));
  }

  #died(reason: string): void {
    this.#worker = null;
    const job = this.#current;
    if (!job) return;
    this.#finish(job, false);
    const err = new ExportError('failed', `the export worker failed: ${reason}`);
    if (job.stream) job.stream.destroy(err);
    else job.reject(err);
  }

  #finish(job: Job, terminate: boolean): void {
    if (job.timer) clearTimeout(job.timer);
    if (this.#current === job) this.#current = null;
    if (terminate && this.#worker) {
      const w = this.#worker;
      this.#worker = null;
      void w.terminate();
    }
    this.#next();
  }
}
