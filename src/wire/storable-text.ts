/**
 * Text PostgreSQL can store. A `text` or `jsonb` value cannot hold NUL (U+0000), and `jsonb`
 * refuses an unpaired surrogate escape; JSON on the wire can carry both. Inbound fields that are
 * echoed back or used as identities are refused at the edge (`unstorableTextAt`); text the engine
 * derives from what an agent sent (function names, error messages) is made storable instead
 * (`storableText`, `storableJson`), so one odd character never costs the whole row.
 */

/** Whether `s` can be stored as it is. */
export function isStorableText(s: string): boolean {
  return s.isWellFormed() && !s.includes('\u0000');
}

/** `s` with each NUL and unpaired surrogate replaced by U+FFFD. */
export function storableText(s: string): string {
  return isStorableText(s) ? s : s.toWellFormed().replaceAll('\u0000', '\uFFFD');
}

/** `JSON.stringify(value)` with every key and string made storable. */
export function storableJson(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, _key: string, v: unknown) {
    if (typeof v === 'string') return storableText(v);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.every(([k]) => isStorableText(k))) return v;
    return Object.fromEntries(entries.map(([k, x]) => [storableText(k), x]));
  });
}

/**
 * Where the first key or string that cannot be stored sits in a parsed message (`request_id`,
 * `params.note`, `params["a\u0000"]`), or null when all can. Depth-first, in key order, without
 * recursion: an HTTP body may nest as deep as its size allows.
 */
export function unstorableTextAt(value: unknown): string | null {
  const stack: { value: unknown; path: string }[] = [{ value, path: '' }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (!isStorableText(v)) return path || '(the value)';
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: `${path}[${i}]` });
      continue;
    }
    const entries = Object.entries(v as Record<string, unknown>);
    for (const [k] of entries) if (!isStorableText(k)) return `${path}[${JSON.stringify(k)}] (the key)`;
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, x] = entries[i]!;
      stack.push({ value: x, path: /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? (path ? `${path}.${k}` : k) : `${path}[${JSON.stringify(k)}]` });
    }
  }
  return null;
}

/** Longest field path a reason quotes: a deeper one keeps its end. */
const MAX_PATH_CHARS = 200;

/** The refusal reason for a field found by `unstorableTextAt`. */
export function unstorableTextReason(at: string): string {
  const where = at.length > MAX_PATH_CHARS ? `…${at.slice(-MAX_PATH_CHARS)}` : at;
  return `${where}: text must not contain NUL (U+0000) or an unpaired surrogate; PostgreSQL cannot store it`;
}
