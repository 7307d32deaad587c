import { modelOf, type DetectorModel, type SeriesDetail } from './detector-model.js';
import { resolveDetectorOptions, type DetectorOptions } from './options.js';
import { decodeState, encodeState, encodeStateInto, HEADER_BYTES } from './state-codec.js';

/** Detectors per chunk: a chunk is one allocation of this many states (about 1.2 MB with the defaults). */
const CHUNK_SLOTS = 1024;
const CHUNK_SHIFT = 10;

/**
 * Many series detectors held side by side: each is a slot, a number, and its state lives in shared
 * chunks of {@link CHUNK_SLOTS} states. A detector costs its state's bytes and nothing else: no object,
 * no typed-array views and no allocation of its own, which matters at tens of thousands of series
 * (those V8 objects weighed about a third of the state again, and the heap grows by a multiple of what
 * it holds live). Slots of released detectors are reused; chunks are kept once allocated (the caller
 * bounds how many detectors it holds). Scores, details and snapshots are exactly those of
 * {@link createSeriesDetector}'s detectors with the same options.
 */
export class DetectorStore {
  readonly #m: DetectorModel;
  /** Float64 values from one slot's start to the next one's. */
  readonly #stride: number;
  readonly #doubles: Float64Array[] = [];
  readonly #singles: Float32Array[] = [];
  readonly #free: number[] = [];
  /** Slots ever handed out (the next fresh one). */
  #used = 0;

  constructor(options?: Partial<DetectorOptions>) {
    this.#m = modelOf(resolveDetectorOptions(options));
    this.#stride = Math.ceil(this.#m.stateBytes / 8);
  }

  /** Detectors held (created or restored, not released). */
  get size(): number {
    return this.#used - this.#free.length;
  }

  /** Bytes of the chunks allocated so far. */
  get bytes(): number {
    return this.#doubles.length * CHUNK_SLOTS * this.#stride * 8;
  }

  /** Bytes of one detector's state (its snapshot is that plus a 16-byte header). */
  get stateBytes(): number {
    return this.#m.stateBytes;
  }

  /** A fresh detector; returns its slot. */
  create(): number {
    const slot = this.#take();
    this.#m.init(this.#doubles[slot >>> CHUNK_SHIFT]!, this.#singles[slot >>> CHUNK_SHIFT]!, this.#at(slot));
    return slot;
  }

  /**
   * A detector continuing from a snapshot ({@link snapshot}, or a {@link SeriesDetector}'s with the
   * same options); returns its slot. Throws a RangeError, and holds nothing, on a foreign or damaged
   * snapshot.
   */
  restore(state: Uint8Array): number {
    const slot = this.#take();
    try {
      decodeState(state, this.#bytesOf(slot));
    } catch (err) {
      this.#free.push(slot);
      throw err;
    }
    return slot;
  }

  /** Forgets a detector; its slot may be handed out again. */
  release(slot: number): void {
    this.#free.push(slot);
  }

  /** {@link SeriesDetector.update} of the detector in `slot`. */
  update(slot: number, timestamp: number, value: number): number {
    return this.#m.update(this.#doubles[slot >>> CHUNK_SHIFT]!, this.#singles[slot >>> CHUNK_SHIFT]!, this.#at(slot), timestamp, value);
  }

  /** {@link SeriesDetector.warm} of the detector in `slot`. */
  warm(slot: number, timestamps: ArrayLike<number>, values: ArrayLike<number>): void {
    this.#m.warm(this.#doubles[slot >>> CHUNK_SHIFT]!, this.#singles[slot >>> CHUNK_SHIFT]!, this.#at(slot), timestamps, values);
  }

  /** {@link SeriesDetector.detail} of the detector in `slot`. */
  detail(slot: number): SeriesDetail {
    return this.#m.detail(this.#doubles[slot >>> CHUNK_SHIFT]!, this.#at(slot));
  }

  /** {@link SeriesDetector.timeToExhaustion} of the detector in `slot`. */
  timeToExhaustion(slot: number, limit: number): number {
    return this.#m.timeToExhaustion(this.#doubles[slot >>> CHUNK_SHIFT]!, this.#at(slot), limit);
  }

  /** {@link SeriesDetector.snapshot} of the detector in `slot` (a copy). */
  snapshot(slot: number): Uint8Array {
    return encodeState(this.#bytesOf(slot));
  }

  /** The same snapshot written over `scratch` (reused: valid until the next call), allocating nothing when it is large enough. */
  snapshotInto(slot: number, scratch: { bytes: Uint8Array }): Uint8Array {
    const bytes = this.#bytesOf(slot);
    if (scratch.bytes.byteLength < HEADER_BYTES + bytes.byteLength) scratch.bytes = new Uint8Array(HEADER_BYTES + bytes.byteLength);
    return encodeStateInto(bytes, scratch.bytes);
  }

  /** Where the slot's state starts in its chunk's Float64 view. */
  #at(slot: number): number {
    return (slot & (CHUNK_SLOTS - 1)) * this.#stride;
  }

  /** The slot's state bytes (a view). */
  #bytesOf(slot: number): Uint8Array {
    const chunk = this.#doubles[slot >>> CHUNK_SHIFT]!;
    return new Uint8Array(chunk.buffer, this.#at(slot) * 8, this.#m.stateBytes);
  }

  /** A free slot, allocating a chunk when every slot is in use. */
  #take(): number {
    const reused = this.#free.pop();
    if (reused !== undefined) return reused;
    const slot = this.#used++;
    if (slot >>> CHUNK_SHIFT >= this.#doubles.length) {
      const buffer = new ArrayBuffer(CHUNK_SLOTS * this.#stride * 8);
      this.#doubles.push(new Float64Array(buffer));
      this.#singles.push(new Float32Array(buffer));
    }
    return slot;
  }
}
