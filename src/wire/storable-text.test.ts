import { describe, expect, it } from 'vitest';
import { isStorableText, storableJson, storableText, unstorableTextAt, unstorableTextReason } from './storable-text.js';

describe('storable text', () => {
  it('tells NUL and unpaired surrogates from ordinary text, pairs and U+FFFD', () => {
    for (const ok of ['', 'abc', 'é😀', '\uFFFD', '\ud83d\ude00']) expect(isStorableText(ok)).toBe(true);
    for (const bad of ['\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\udc00\ud800']) expect(isStorableText(bad)).toBe(false);
  });

  it('replaces each bad character by U+FFFD and leaves the rest alone', () => {
    expect(storableText('a\u0000b\ud800c😀')).toBe('a\uFFFDb\uFFFDc😀');
    const same = 'plain';
    expect(storableText(same)).toBe(same);
  });

  it('makes keys and strings at any depth storable in JSON, numbers and nulls untouched', () => {
    const text = storableJson({ 'k\u0000': ['\ud800', 1, null, { n: 'x\u0000' }], ok: true });
    expect(text).toBe('{"k\uFFFD":["\uFFFD",1,null,{"n":"x\uFFFD"}],"ok":true}');
    expect(text.includes('\\u0000') || /\\ud[89a-f]/i.test(text)).toBe(false);
  });

  it('names the first field that cannot be stored, or null', () => {
    expect(unstorableTextAt({ a: 1, b: ['x', { c: 'ok' }] })).toBeNull();
    expect(unstorableTextAt({ request_id: 'a\u0000' })).toBe('request_id');
    expect(unstorableTextAt({ params: { list: ['ok', '\ud800'] } })).toBe('params.list[1]');
    expect(unstorableTextAt({ params: { 'a b': 'x\u0000' } })).toBe('params["a b"]');
    expect(unstorableTextAt({ params: { 'k\u0000': 1 } })).toBe('params["k\\u0000"] (the key)');
    expect(unstorableTextAt('\u0000')).toBe('(the value)');
    let deep: unknown = 'bottom\u0000';
    for (let i = 0; i < 200_000; i++) deep = { a: deep };
    expect(unstorableTextAt(deep)).toMatch(/^a(\.a){199999}$/);
    expect(unstorableTextReason(unstorableTextAt(deep)!)).toMatch(/^…(\.a){100}: text must not/);
    expect(unstorableTextAt({ first: ['ok', 'x\u0000'], second: '\u0000' })).toBe('first[1]');
    expect(unstorableTextReason('request_id')).toMatch(/^request_id: .*NUL.*PostgreSQL/);
  });
});
