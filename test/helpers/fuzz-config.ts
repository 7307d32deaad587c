import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { MAX_CONFIG_NESTING, nestingBound } from '../../src/config/nesting.js';
import { CONFIG_KEYS, DEFAULTS, type ConfigKey } from '../../src/config/schema.js';
import { ConfigError } from '../../src/config/validate.js';
import { INJECTIONS, PROTOTYPE_KEYS, deepValue, jsonText, numberTokens, obj, raw, weirdString, weirdValue, type J } from './adversarial-json.js';

/** One generated configuration file: its extension and its bytes. */
export interface ConfigCase {
  readonly kind: string;
  readonly ext: '.json' | '.yaml' | '.yml' | '.conf' | '';
  readonly text: string;
}

/** How a case ended. */
export type ConfigOutcome = { readonly accepted: true } | { readonly accepted: false; readonly keys: readonly string[] };

const keys = fc.constantFrom(...CONFIG_KEYS);
const defaultOf = (k: ConfigKey): J => raw(JSON.stringify((DEFAULTS as Record<string, unknown>)[k]));

/** A value for a key: its default, another key's default (wrong type, often), or something hostile. */
const valueFor = (k: ConfigKey): fc.Arbitrary<J> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(defaultOf(k)) },
    { weight: 1, arbitrary: keys.map(defaultOf) },
    { weight: 2, arbitrary: weirdValue },
    { weight: 1, arbitrary: numberTokens },
    { weight: 1, arbitrary: fc.oneof(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 53, 1e21, 0.5)) },
    { weight: 1, arbitrary: fc.constantFrom<J>('0 */6 * * *', '* * * * * * *', '(', '[a-', '.*', '(a+)+$', 'postgres://u:p@h/db', 'nats://u:p@h:4222', 'info', 'silent', '127.0.0.1', '0.0.0.0', ...INJECTIONS) },
  );

/** Members of a file: known keys with generated values, unknown and prototype keys, duplicates. */
const members = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: keys.chain((k) => valueFor(k).map((v) => [k, v] as const)) },
    { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), weirdString, fc.constantFrom('data_retention', 'Data_Retention_Days', 'log_level ')), weirdValue) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom<string>('__proto__', 'constructor'), fc.constantFrom<J>(raw('{"data_retention_days":1,"polluted":true}'), raw('{"prototype":{"polluted":true}}'))) },
  ),
  { maxLength: 8 },
);

/** A YAML document from members: block style via the yaml library (NaN, Infinity, -0 as YAML writes them). */
function yamlOf(entries: readonly (readonly [string, J])[]): string | null {
  // Deep values stay JSON text (the loader refuses them unparsed): the YAML writer recurses per level.
  if (entries.some(([, v]) => nestingBound(jsonText(v)) > MAX_CONFIG_NESTING)) return null;
  const plain: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    let value: unknown;
    try {
      value = JSON.parse(jsonText(v));
    } catch {
      value = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY, '1e999': Number.POSITIVE_INFINITY }[jsonText(v)] ?? jsonText(v);
    }
    Object.defineProperty(plain, k, { value, enumerable: true, configurable: true, writable: true });
  }
  try {
    return toYaml(plain);
  } catch {
    return null;
  }
}

/** Whole files YAML or JSON readers must survive: aliases, tags, merges, several documents, odd encodings. */
const ODD_FILES: readonly (readonly [ConfigCase['ext'], string])[] = [
  ['.yaml', 'a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n'],
  ['.yaml', 'watch_processes: &x [node]\nprofiling_allowed_processes: *x\n'],
  ['.yaml', 'base: &b {data_retention_days: 1}\n<<: *b\n'],
  ['.yaml', '<<: {data_retention_days: 1}\n'],
  ['.yaml', 'data_retention_days: !!str 7\n'],
  ['.yaml', 'log_level: !!js/function "function(){}"\n'],
  ['.yaml', 'data_retention_days: 7\n---\ndata_retention_days: 1\n'],
  ['.yaml', 'data_retention_days: 7\ndata_retention_days: 1\n'],
  ['.yaml', 'data_retention_days: 0o17\n'],
  ['.yaml', 'data_retention_days: .nan\n'],
  ['.yaml', 'data_retention_days: .inf\n'],
  ['.yaml', 'data_retention_days: 1e400\n'],
  ['.yaml', 'data_retention_days: 2026-02-30\n'],
  ['.yaml', 'http_host: yes\n'],
  ['.yaml', '? [a, b]\n: 1\n'],
  ['.yaml', '- data_retention_days\n- 7\n'],
  ['.yaml', '"just a string"\n'],
  ['.yaml', '\t data_retention_days: 7\n'],
  ['.json', '{"data_retention_days": 7, "data_retention_days": 1}'],
  ['.json', '\ufeff{"data_retention_days": 7}'],
  ['.json', '{"data_retention_days": 7} trailing'],
  ['.json', ''],
  ['.json', 'null'],
  ['.json', '[]'],
  ['.json', '{"log_level": "\\ud800"}'],
  ['.conf', '{"data_retention_days": 7}'],
  ['', 'data_retention_days = 7\n'],
  ['.yml', '\u0000\u0001\u0002'],
];

/** Generated config files: JSON, YAML (block or flow), files no reader should like, and deep ones. */
export const configFileCases: fc.Arbitrary<ConfigCase> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(members, fc.constantFrom('.json', '.conf', '') as fc.Arbitrary<ConfigCase['ext']>).map(([m, ext]) => ({ kind: `JSON members ${m.map(([k]) => k.slice(0, 30)).join(',')}`, ext, text: jsonText(obj(m)) })) },
  { weight: 4, arbitrary: fc.tuple(members, fc.constantFrom('.yaml', '.yml') as fc.Arbitrary<ConfigCase['ext']>).map(([m, ext]) => ({ kind: `YAML members ${m.map(([k]) => k.slice(0, 30)).join(',')}`, ext, text: yamlOf(m) ?? jsonText(obj(m)) })) },
  { weight: 1, arbitrary: fc.constantFrom(...ODD_FILES).map(([ext, text]) => ({ kind: `odd file ${JSON.stringify(text.slice(0, 40))}`, ext, text })) },
  { weight: 1, arbitrary: fc.tuple(keys, deepValue, fc.constantFrom('.json', '.yaml') as fc.Arbitrary<ConfigCase['ext']>).map(([k, v, ext]) => ({ kind: `deep value at ${k}`, ext, text: jsonText(obj([[k, v]])) })) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 500, max: 3000 }), fc.constantFrom('.json', '.yaml') as fc.Arbitrary<ConfigCase['ext']>).map(([n, ext]) => ({ kind: `${n} unknown keys`, ext, text: jsonText(obj(Array.from({ length: n }, (_, i) => [`k${i}`, i] as const))) })) },
);

/** The file's members as its reader sees them, when it reads as one object. */
function parsedMembers(c: ConfigCase): Record<string, unknown> | null {
  // Never parsed deeper than the loader parses: deep recursion in the YAML parser can abort Node.js.
  if (nestingBound(c.text) > MAX_CONFIG_NESTING) return null;
  try {
    const v: unknown = c.ext === '.json' ? JSON.parse(c.text) : parseYaml(c.text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Writes the case to `dir` and loads it (with an empty environment). Holds when the loader either
 * returns a configuration in which every key of the file has exactly the file's value and nothing
 * else is taken from the file, or throws a ConfigError whose problems each name the file or one
 * of its keys. Anything else thrown, an unknown key accepted, or a polluted prototype fails.
 */
export function checkConfigFile(dir: string, c: ConfigCase, n: number): ConfigOutcome {
  const path = join(dir, `case-${n}${c.ext}`);
  writeFileSync(path, c.text);
  let outcome: ConfigOutcome;
  try {
    const { config } = loadConfig({ file: path, env: {} });
    const members = parsedMembers(c) ?? {};
    for (const key of Object.keys(members)) {
      assert.ok((CONFIG_KEYS as string[]).includes(key), `unknown key ${JSON.stringify(key)} accepted (${c.kind})`);
      assert.deepEqual((config as Record<string, unknown>)[key], members[key], `${key} is not the file's value (${c.kind})`);
    }
    outcome = { accepted: true };
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    assert.ok(err instanceof ConfigError, `not a ConfigError: ${String(err).slice(0, 300)} (${c.kind})`);
    const fileKeys = new Set(Object.keys(parsedMembers(c) ?? {}));
    for (const p of err.problems) {
      const top = p.key.split('/')[0]!;
      assert.ok(top === '--config' || fileKeys.has(top) || fileKeys.has(p.key), `problem names ${JSON.stringify(p.key)}, not a key of the file (${c.kind}): ${err.message.slice(0, 300)}`);
      assert.ok(p.allowed.length > 0, `problem without what is allowed (${c.kind})`);
    }
    assert.ok(err.problems.length > 0 && err.message.length > 0, `empty ConfigError (${c.kind})`);
    outcome = { accepted: false, keys: err.problems.map((p) => p.key) };
  }
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).filter((k) => k === 'polluted' || k === 'data_retention_days'), [], `Object.prototype polluted (${c.kind})`);
  return outcome;
}
