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
 * `params.note`, `params["a\u0000"]`), or null when all can. Depth-first, in key order; the walk
 * is bounded by the inbound limits on depth and keys checked before parsing.
 */
export function unstorableTextAt(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return isStorableText(value) ? null : path || '(the value)';
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = unstorableTextAt(value[i], `${path}[${i}]`);
      if (at !== null) return at;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const here = /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? (path ? `${path}.${k}` : k) : `${path}[${JSON.stringify(k)}]`;
    if (!isStorableText(k)) return `${path}[${JSON.stringify(k)}] (the key)`;
    const at = unstorableTextAt(v, here);
    if (at !== null) return at;
  }
  return null;
}

/** The refusal reason for a field found by `unstorableTextAt`. */
export function unstorableTextReason(at: string): string {
  return `${at}: text must not contain NUL (U+0000) or an unpaired surrogate; PostgreSQL cannot store it`;
}
