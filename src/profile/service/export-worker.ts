import { parentPort } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import { analyzeProfileBytes } from '../analysis/analyze-profile.js';
import { ProfileFormatError } from '../analysis/profile-format-error.js';
import type { ExportErrorCode, FromWorker, ToWorker } from './export-pool.js';
import { canExport, exportProfile, type ExportOutput } from '../export/export-profile.js';

/** The body of ProfileExportPool's worker thread: one job at a time, chunks sent as the pool asks. */

const CHUNK_BYTES = 1 << 20;
/** Chunks sent before the first pull, so the HTTP stream has data as soon as it starts reading. */
const INITIAL_CREDIT = 2;

const port = parentPort;
if (!port) throw new Error('export-worker.ts runs as a worker thread');
const encoder = new TextEncoder();
let credit = 0;
let wake: (() => void) | null = null;

function post(m: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(m, transfer);
}

/** Copies of at most CHUNK_BYTES, each owning its buffer so it can be transferred. */
function* split(bytes: Uint8Array): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += CHUNK_BYTES) yield new Uint8Array(bytes.subarray(i, i + CHUNK_BYTES));
}

function* chunksOf(out: ExportOutput): Generator<Uint8Array> {
  if (typeof out === 'string') return yield* split(encoder.encode(out));
  if (out instanceof Uint8Array) return yield* split(out);
  let parts: string[] = [];
  let size = 0;
  for (const piece of out) {
    parts.push(piece);
    size += piece.length;
    if (size >= CHUNK_BYTES) {
      yield* split(encoder.encode(parts.join('')));
      parts = [];
      size = 0;
    }
  }
  if (parts.length > 0) yield* split(encoder.encode(parts.join('')));
}

async function creditOne(): Promise<void> {
  while (credit === 0) await new Promise<void>((r) => (wake = r));
  credit--;
}

function failure(err: unknown): { code: ExportErrorCode; message: string } {
  if (err instanceof ProfileFormatError) return { code: 'bad_profile', message: `the stored profile cannot be read: ${err.message}` };
  const code = (err as { code?: unknown }).code;
  if (code === 'ERR_BUFFER_TOO_LARGE') return { code: 'too_large', message: 'the stored profile is larger than the export limit' };
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') return { code: 'bad_profile', message: 'the stored profile is not valid gzip' };
  return { code: 'failed', message: err instanceof Error ? err.message : String(err) };
}

async function run(job: Extract<ToWorker, { type: 'job' }>): Promise<void> {
  credit = INITIAL_CREDIT;
  try {
    const analyzed = analyzeProfileBytes(gunzipSync(job.gzip, { maxOutputLength: job.maxRawBytes }));
    if (!canExport(analyzed.kind, job.format)) {
      post({ type: 'error', code: 'bad_format', message: `a ${analyzed.kind} profile cannot be written as ${job.format}` });
      return;
    }
    const out = exportProfile(analyzed, job.format, job.name);
    post({ type: 'start', kind: analyzed.kind });
    for (const chunk of chunksOf(out)) {
      await creditOne();
      post({ type: 'chunk', data: chunk }, [chunk.buffer as ArrayBuffer]);
    }
    post({ type: 'end' });
  } catch (err) {
    post({ type: 'error', ...failure(err) });
  }
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'pull') {
    credit++;
    wake?.();
    wake = null;
  } else void run(m);
});
