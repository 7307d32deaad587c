/**
 * A set of keys that forgets the oldest past `max` (insertion order): what a receiver was already
 * given, so that a notice offered twice is delivered once, in bounded memory.
 */
export class SeenKeys {
  readonly #keys = new Set<string>();

  constructor(private readonly max: number) {}

  /** True when `key` was added and not forgotten yet. */
  has(key: string): boolean {
    return this.#keys.has(key);
  }

  /** Adds a key, forgetting the oldest when full. */
  add(key: string): void {
    if (this.#keys.has(key)) return;
    this.#keys.add(key);
    if (this.#keys.size > this.max) this.#keys.delete(this.#keys.values().next().value!);
  }

  get size(): number {
    return this.#keys.size;
  }
}
