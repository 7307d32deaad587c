import { ProfileFormatError } from './profile-format-error.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isNumberByte(c: number): boolean {
  return (c >= ZERO && c <= NINE) || c === MINUS || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;
}

/**
 * A pull scanner over the bytes of one JSON document: reads values in place without building the
 * whole object graph, so a reader can keep only what it needs (e.g. numbers into typed arrays).
 * Every method throws ProfileFormatError with the byte offset on malformed input.
 */
export class JsonScanner {
  pos = 0;
  private readonly keys = new Map<number, string>();
  constructor(private readonly bytes: Uint8Array) {}

  /** Fails with the current offset in the message. */
  fail(message: string): never {
    throw new ProfileFormatError(`malformed JSON at byte ${this.pos}: ${message}`);
  }

  /** Skips whitespace and returns the next byte (-1 at the end) without consuming it. */
  peek(): number {
    const b = this.bytes;
    let p = this.pos;
    while (p < b.length) {
      const c = b[p]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      p++;
    }
    this.pos = p;
    return p < b.length ? b[p]! : -1;
  }

  /** Consumes the given punctuation byte or fails. */
  expect(char: number): void {
    if (this.peek() !== char) this.fail(`expected '${String.fromCharCode(char)}'`);
    this.pos++;
  }

  /** Consumes the byte if it is next; says whether it was. */
  accept(char: number): boolean {
    if (this.peek() !== char) return false;
    this.pos++;
    return true;
  }

  /** Iterates an object's keys: call with the scanner on `{`; the callback must consume each value. */
  object(onKey: (key: string) => void): void {
    this.expect(0x7b);
    if (this.accept(0x7d)) return;
    do {
      const key = this.key();
      this.expect(0x3a);
      onKey(key);
    } while (this.accept(0x2c));
    this.expect(0x7d);
  }

  /** Iterates an array's items: the callback must consume each item. */
  array(onItem: () => void): void {
    this.expect(0x5b);
    if (this.accept(0x5d)) return;
    do onItem();
    while (this.accept(0x2c));
    this.expect(0x5d);
  }

  /** Reads a string value. ASCII without escapes (nearly every key, name and url) takes a fast path. */
  string(): string {
    if (this.peek() !== QUOTE) this.fail('expected a string');
    const b = this.bytes;
    const start = ++this.pos;
    let p = start;
    let plain = true;
    while (p < b.length) {
      const c = b[p]!;
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        plain = false;
        p += 2;
        continue;
      }
      if (c >= 0x80) plain = false;
      p++;
    }
    if (p >= b.length) this.fail('unterminated string');
    this.pos = p + 1;
    if (plain) {
      return p - start < 64 ? String.fromCharCode(...b.subarray(start, p)) : utf8.decode(b.subarray(start, p));
    }
    try {
      return JSON.parse(utf8.decode(b.subarray(start - 1, p + 1))) as string;
    } catch (err) {
      return this.fail(`bad string (${err instanceof Error ? err.message : String(err)})`);
    }
  }

  /** Reads a number; integers are parsed in place, anything with a fraction or exponent by `Number`. */
  number(): number {
    const b = this.bytes;
    let p = this.pos;
    let c = this.peek();
    p = this.pos;
    const negative = c === MINUS;
    if (negative) c = b[++p] ?? -1;
    if (c < ZERO || c > NINE) this.fail('expected a number');
    let value = 0;
    while (c >= ZERO && c <= NINE) {
      value = value * 10 + (c - ZERO);
      c = b[++p] ?? -1;
    }
    if (c === 0x2e || c === 0x65 || c === 0x45) {
      const start = this.pos;
      while (p < b.length && isNumberByte(b[p]!)) p++;
      const parsed = Number(String.fromCharCode(...b.subarray(start, p)));
      if (!Number.isFinite(parsed)) this.fail('bad number');
      this.pos = p;
      return parsed;
    }
    this.pos = p;
    return negative ? -value : value;
  }

  /** Skips one value of any type. */
  skip(): void {
    const c = this.peek();
    if (c === QUOTE) this.skipString();
    else if (c === 0x7b) this.object(() => this.skip());
    else if (c === 0x5b) this.array(() => this.skip());
    else if (c === MINUS || (c >= ZERO && c <= NINE)) this.number();
    else if (!this.literal('true') && !this.literal('false') && !this.literal('null')) this.fail('unexpected byte');
  }

  private skipString(): void {
    const b = this.bytes;
    let p = this.pos + 1;
    while (p < b.length && b[p] !== QUOTE) p += b[p] === BACKSLASH ? 2 : 1;
    if (p >= b.length) this.fail('unterminated string');
    this.pos = p + 1;
  }

  /**
   * Reads an object key through an intern table: keys repeat millions of times in a profile, and
   * matching their bytes against the few distinct ones avoids allocating a string for each.
   */
  key(): string {
    if (this.peek() !== QUOTE) this.fail('expected a string');
    const b = this.bytes;
    const start = this.pos + 1;
    let p = start;
    let hash = 0x811c9dc5;
    while (p < b.length) {
      const c = b[p]!;
      if (c === QUOTE || c === BACKSLASH || c >= 0x80) break;
      hash = Math.imul(hash ^ c, 0x01000193);
      p++;
    }
    if (b[p] === QUOTE) {
      const known = this.keys.get(hash);
      if (known !== undefined && this.bytesEqual(start, p, known)) {
        this.pos = p + 1;
        return known;
      }
      const key = this.string();
      if (this.keys.size < 256) this.keys.set(hash, key);
      return key;
    }
    return this.string();
  }

  private bytesEqual(start: number, end: number, text: string): boolean {
    if (end - start !== text.length) return false;
    for (let i = 0; i < text.length; i++) if (this.bytes[start + i] !== text.charCodeAt(i)) return false;
    return true;
  }

  /** FNV-1a hash of the bytes in [start, end), to find repeated spans without decoding them. */
  hashRange(start: number, end: number): number {
    let hash = 0x811c9dc5;
    for (let p = start; p < end; p++) hash = Math.imul(hash ^ this.bytes[p]!, 0x01000193);
    return hash;
  }

  /** Whether the byte spans [a, a + length) and [b, b + length) are equal. */
  sameSpan(a: number, b: number, length: number): boolean {
    const bytes = this.bytes;
    for (let i = 0; i < length; i++) if (bytes[a + i] !== bytes[b + i]) return false;
    return true;
  }

  private literal(word: string): boolean {
    for (let i = 0; i < word.length; i++) if (this.bytes[this.pos + i] !== word.charCodeAt(i)) return false;
    this.pos += word.length;
    return true;
  }

  /** Fails unless only whitespace remains. */
  end(): void {
    if (this.peek() !== -1) this.fail('trailing data after the document');
  }
}

/** A growable Float64Array, so millions of samples never become JS arrays. */
export class NumberList {
  private data: Float64Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Float64Array(capacity);
  }
  /** Appends one value. */
  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
  /** The values pushed so far: a view on the list's storage, not a copy. */
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** A growable Int32Array for integer ids. */
export class IntList {
  private data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }
  /** Appends one value; fails unless it is an int32. */
  push(value: number): void {
    if ((value | 0) !== value) throw new ProfileFormatError(`${value} is not an integer id`);
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
  /** The values pushed so far: a view on the list's storage, not a copy. */
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}
