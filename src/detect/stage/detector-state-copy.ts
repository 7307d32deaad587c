import { writeCopyHeader, writeCopyTime } from '../../store/copy-binary.js';
import type { SavedState } from '../stream/series-load.js';

/**
 * Detector states gathered for one save, each copied in as it is added. On PostgreSQL they are
 * written at once in PostgreSQL's binary COPY format, into one buffer reused from chunk to chunk
 * and checkpoint to checkpoint; elsewhere (PGlite) as columns for a statement from arrays.
 *
 * Why: a checkpoint saves every series updated since the last one (20,000 in the soak). As hex
 * text each state went through a string twice its size and an array literal built from those,
 * about 9 MB of V8 heap per 1,000 states that outlived young collections while their statement
 * ran; and a copy of each state (1.2 KB of native memory) lived until a full collection. In the
 * soak the engine's RSS stepped up by 15-20 MB at each checkpoint.
 */

const TRAILER_BYTES = 2;

/** Columns of the rows a binary batch holds, in order. */
export const STATE_COPY_COLUMNS = '(source, metric, state, last_ts)';

/** The columns of a batch for a statement from arrays. */
export interface StateColumns {
  readonly sources: string[];
  readonly metrics: string[];
  readonly hex: string[];
  readonly times: number[];
}

export class StateBatch {
  #buf: Buffer;
  #at = 0;
  #count = 0;
  readonly #columns: StateColumns | null;

  /** `binary`: gather in COPY format (PostgreSQL); otherwise as columns (PGlite). */
  constructor(readonly binary: boolean) {
    this.#buf = Buffer.allocUnsafe(binary ? 64 * 1024 : 0);
    this.#columns = binary ? null : { sources: [], metrics: [], hex: [], times: [] };
    this.clear();
  }

  get count(): number {
    return this.#count;
  }

  /** Copies one state in (its bytes may be overwritten once this returns). */
  add(s: SavedState): void {
    this.#count++;
    const c = this.#columns;
    if (c !== null) {
      c.sources.push(s.source);
      c.metrics.push(s.metric);
      c.hex.push(Buffer.from(s.state.buffer, s.state.byteOffset, s.state.byteLength).toString('hex'));
      c.times.push(s.lastTs);
      return;
    }
    const source = Buffer.byteLength(s.source);
    const metric = Buffer.byteLength(s.metric);
    this.#reserve(2 + 4 + source + 4 + metric + 4 + s.state.byteLength + 4 + 8 + TRAILER_BYTES);
    const buf = this.#buf;
    let o = buf.writeInt16BE(4, this.#at);
    o = buf.writeInt32BE(source, o);
    o += buf.write(s.source, o, 'utf8');
    o = buf.writeInt32BE(metric, o);
    o += buf.write(s.metric, o, 'utf8');
    o = buf.writeInt32BE(s.state.byteLength, o);
    buf.set(s.state, o);
    o += s.state.byteLength;
    this.#at = writeCopyTime(buf, o, s.lastTs);
  }

  /** The COPY payload of what was added (a view of the reused buffer: valid until the next `add` or `clear`). */
  payload(): Buffer {
    this.#reserve(TRAILER_BYTES);
    this.#buf.writeInt16BE(-1, this.#at);
    return this.#buf.subarray(0, this.#at + TRAILER_BYTES);
  }

  columns(): StateColumns {
    if (this.#columns === null) throw new Error('a binary state batch has no columns');
    return this.#columns;
  }

  /** Empties the batch, keeping its buffer. */
  clear(): void {
    this.#count = 0;
    const c = this.#columns;
    if (c !== null) {
      for (const a of [c.sources, c.metrics, c.hex, c.times]) a.length = 0;
      return;
    }
    this.#at = writeCopyHeader(this.#buf);
  }

  #reserve(bytes: number): void {
    if (this.#at + bytes <= this.#buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.#buf.length, this.#at + bytes));
    this.#buf.copy(grown, 0, 0, this.#at);
    this.#buf = grown;
  }
}
