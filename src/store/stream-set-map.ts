/** A value kept per (stream, metric set) that knows its set. */
export interface PerStreamSet {
  readonly setId: number;
}

/**
 * Values keyed by stream and metric set, for the tier buckets. Almost every stream uses one set at
 * a time, so a stream's entry is its one value, and becomes a map of sets only while the stream
 * has values for several: a `Map` per stream (about 350 bytes with its table) for tens of thousands
 * of streams was a large part of what the buckets held.
 */
export class StreamSetMap<V extends PerStreamSet> {
  readonly #byStream = new Map<number, V | Map<number, V>>();
  #size = 0;

  /** Values held. */
  get size(): number {
    return this.#size;
  }

  get(streamId: number, setId: number): V | undefined {
    const e = this.#byStream.get(streamId);
    if (e === undefined) return undefined;
    if (e instanceof Map) return e.get(setId);
    return e.setId === setId ? e : undefined;
  }

  has(streamId: number, setId: number): boolean {
    return this.get(streamId, setId) !== undefined;
  }

  /** Sets the value of `streamId` and `value.setId`, replacing the one there. */
  set(streamId: number, value: V): void {
    const e = this.#byStream.get(streamId);
    if (e === undefined) {
      this.#byStream.set(streamId, value);
      this.#size++;
    } else if (e instanceof Map) {
      if (!e.has(value.setId)) this.#size++;
      e.set(value.setId, value);
    } else if (e.setId === value.setId) {
      this.#byStream.set(streamId, value);
    } else {
      this.#byStream.set(streamId, new Map([[e.setId, e], [value.setId, value]]));
      this.#size++;
    }
  }

  delete(streamId: number, setId: number): boolean {
    const e = this.#byStream.get(streamId);
    if (e === undefined) return false;
    if (!(e instanceof Map)) {
      if (e.setId !== setId) return false;
      this.#byStream.delete(streamId);
      this.#size--;
      return true;
    }
    if (!e.delete(setId)) return false;
    this.#size--;
    if (e.size === 1) this.#byStream.set(streamId, e.values().next().value!);
    return true;
  }

  /** Every value with its stream, in insertion order of the streams. */
  *entries(): Generator<[number, V]> {
    for (const [streamId, e] of this.#byStream) {
      if (e instanceof Map) for (const v of e.values()) yield [streamId, v];
      else yield [streamId, e];
    }
  }

  *values(): Generator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  /** Removes the values `remove` picks and appends them to `out` (in the order of {@link entries}); returns `out`. */
  removeWhere(remove: (v: V) => boolean, out: V[] = []): V[] {
    for (const [streamId, e] of this.#byStream) {
      if (!(e instanceof Map)) {
        if (!remove(e)) continue;
        this.#byStream.delete(streamId);
        this.#size--;
        out.push(e);
        continue;
      }
      for (const [setId, v] of e) {
        if (!remove(v)) continue;
        e.delete(setId);
        this.#size--;
        out.push(v);
      }
      if (e.size === 0) this.#byStream.delete(streamId);
      else if (e.size === 1) this.#byStream.set(streamId, e.values().next().value!);
    }
    return out;
  }
}
