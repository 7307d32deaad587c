import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { Ajv } from 'ajv';
import { Profile } from 'pprof-format';
import { describe, expect, it } from 'vitest';
import { handMadeProfile } from '../../../test/fixtures/profile/hand-made-profile.js';
import { analyzeProfileBytes, type AnalyzedProfile } from '../analysis/analyze-profile.js';
import { analyzeCpuProfile } from '../analysis/cpu-analysis.js';
import { indexCpuProfile, type CpuProfile } from '../analysis/cpu-profile.js';
import { collapsedStacks } from './collapsed-export.js';
import { exportProfile, type ExportOutput } from './export-profile.js';
import { cpuToPprof } from './pprof-export.js';
import { cpuToSpeedscope } from './speedscope-export.js';

const FIXTURES = new URL('../../../test/fixtures/profile/', import.meta.url);
const load = (name: string): AnalyzedProfile => analyzeProfileBytes(readFileSync(new URL(name, FIXTURES)));
const require = createRequire(import.meta.url);
const text = (out: ExportOutput): string =>
  typeof out === 'string' ? out : out instanceof Uint8Array ? new TextDecoder().decode(out) : [...out].join('');

describe('speedscope export', () => {
  // speedscope's own published schema, shipped in its npm package.
  const schema = JSON.parse(readFileSync(require.resolve('speedscope/dist/release/file-format-schema.json'), 'utf8')) as object;
  const validate = new Ajv({ strict: false }).compile(schema);

  it.each(['workload-before.cpuprofile', 'workload.heapprofile'])('%s validates against speedscope file-format-schema.json', (name) => {
    const file = JSON.parse(text(exportProfile(load(name), 'speedscope', name))) as unknown;
    expect(validate(file), JSON.stringify(validate.errors)).toBe(true);
  });

  it('keeps time order and weights that add up to the profile duration', () => {
    const index = indexCpuProfile(handMadeProfile());
    const { timeline } = analyzeCpuProfile(index);
    const file = cpuToSpeedscope(index, timeline, 'hand');
    const p = file.profiles[0]!;
    expect(p.weights.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(p.endValue).toBe(10_000);
    // fact>fact>fact ran twice in a row: one entry of 1500 us.
    expect(p.weights).toEqual([1000, 2000, 1000, 1500, 500, 1000, 1000, 1000, 1000]);
    expect(p.samples[3]!.map((f) => file.shared.frames[f]!.name)).toEqual(['main', 'fact', 'fact', 'fact']);
    expect(validate(file)).toBe(true);
  });

  it('aggregates per call path when time order would repeat too many stack entries', () => {
    const index = indexCpuProfile(handMadeProfile());
    const { timeline } = analyzeCpuProfile(index);
    const p = cpuToSpeedscope(index, timeline, 'hand', 5).profiles[0]!;
    expect(p.weights.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(p.samples).toHaveLength(9);
    expect(p.weights).toContain(1500);
  });

  it('rejects a broken file, so the check can fail', () => {
    expect(validate({ $schema: 'https://www.speedscope.app/file-format-schema.json', shared: {}, profiles: [] })).toBe(false);
  });
});

describe('.cpuprofile export', () => {
  it('writes what DevTools loads: consistent nodes, children, hitCount, samples and timeDeltas', () => {
    const loaded = load('workload-before.cpuprofile');
    const out = JSON.parse(text(exportProfile(loaded, 'cpuprofile', 'x'))) as Required<CpuProfile>;
    const original = JSON.parse(readFileSync(new URL('workload-before.cpuprofile', FIXTURES), 'utf8')) as Required<CpuProfile>;
    const ids = new Set(out.nodes.map((n) => n.id));
    expect(ids.size).toBe(out.nodes.length);
    for (const n of out.nodes) for (const c of n.children ?? []) expect(ids.has(c)).toBe(true);
    for (const s of out.samples) expect(ids.has(s)).toBe(true);
    expect(out.timeDeltas).toHaveLength(out.samples.length);
    expect(out.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0)).toBe(out.samples.length);
    expect(out.samples).toEqual(original.samples);
    expect(out.timeDeltas).toEqual(original.timeDeltas);
    expect(out.startTime).toBe(original.startTime);
    // Re-reading it gives the same hotspots.
    const again = analyzeProfileBytes(new TextEncoder().encode(JSON.stringify(out)));
    expect(again.kind === 'cpu' && again.analysis.report.hotspots).toEqual(loaded.kind === 'cpu' && loaded.analysis.report.hotspots);
  });
});

describe('collapsed stacks', () => {
  it('writes one `frame;frame count` line per stack, counts adding up to the samples', () => {
    const loaded = load('workload-before.cpuprofile');
    const lines = text(exportProfile(loaded, 'collapsed', 'x')).trimEnd().split('\n');
    let sum = 0;
    for (const line of lines) {
      const m = /^(.+) (\d+)$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(m![1]!.split(';').every((f) => f.length > 0)).toBe(true);
      sum += Number(m![2]);
    }
    expect(sum).toBe(loaded.kind === 'cpu' ? loaded.profile.samples.length : -1);
  });

  it('replaces semicolons in names so frames stay separable', () => {
    const p = handMadeProfile();
    const tricky: CpuProfile = { ...p, nodes: p.nodes.map((n) => (n.id === 2 ? { ...n, callFrame: { ...n.callFrame, functionName: 'a;b' } } : n)) };
    const { callTree } = analyzeCpuProfile(indexCpuProfile(tricky));
    expect(collapsedStacks(callTree).split('\n')[0]).toBe('a:b (file:///app.js:1) 1000');
  });
});

describe('pprof export', () => {
  it('decodes (gunzip + protobuf) to samples/count and cpu/nanoseconds with files and lines', () => {
    const index = indexCpuProfile(handMadeProfile());
    const { timeline } = analyzeCpuProfile(index);
    const profile = Profile.decode(gunzipSync(cpuToPprof(index, timeline)));
    const str = (i: number | bigint): string => profile.stringTable.strings[Number(i)]!;
    expect(profile.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`)).toEqual(['samples/count', 'cpu/nanoseconds']);
    const nanos = profile.sample.reduce((a, s) => a + Number(s.value[1]), 0);
    expect(nanos).toBe(10_000_000);
    const fact = profile.function.find((f) => str(f.name) === 'fact')!;
    expect(str(fact.filename)).toBe('file:///lib.js');
    expect(Number(fact.startLine)).toBe(10);
    const leafFact = profile.sample.filter((s) => {
      const loc = profile.location.find((l) => l.id === s.locationId[0])!;
      return loc.line[0]!.functionId === fact.id;
    });
    expect(leafFact.reduce((a, s) => a + Number(s.value[0]), 0)).toBe(5);
  });
});
