import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeCpuProfile } from '../analysis/cpu-analysis.js';
import { indexCpuProfile } from '../analysis/cpu-profile.js';
import { PerfScriptParser } from './perf-script.js';

function parse(text: string) {
  const parser = new PerfScriptParser();
  for (const line of text.split('\n')) parser.push(line);
  return parser.finish();
}

const text = [
  'my worker 4242  100.000100:    1000000 ',
  '\t    7f00 hash_bytes+0x1f (/usr/lib/libcrypto.so.3)',
  '\t    1180 handle (/opt/app/server)',
  '\t    11c7 main (/opt/app/server)',
  '',
  'my worker 4242  100.001100:    1000000 ',
  '\t    7f10 hash_bytes+0x2a (/usr/lib/libcrypto.so.3)',
  '\t    1180 handle (/opt/app/server)',
  '\t    11c7 main (/opt/app/server)',
  '',
  'my worker 4243  100.001200:    1000000 ',
  '\t    dead [unknown] ([unknown])',
  '\t    11c7 main (/opt/app/server)',
  '',
  'my worker 4242  100.002100:    2000000 ',
  '\tffffffff8100 finish_task_switch.isra.0 ([kernel.kallsyms])',
  '\t    1180 handle (/opt/app/server)',
  '\t    11c7 main (/opt/app/server)',
  '',
].join('\n');

describe('perf script parser', () => {
  it('builds a V8-shaped profile: one node per distinct (symbol, object) path, outermost first, offsets dropped', () => {
    const p = parse(text);
    const names = new Map(p.nodes.map((n) => [n.id, n.callFrame.functionName]));
    expect(p.samples!.map((s) => names.get(s))).toEqual(['hash_bytes', 'hash_bytes', '[unknown]', 'finish_task_switch.isra.0']);
    expect(p.samples![0]).toBe(p.samples![1]);
    const main = p.nodes.find((n) => n.callFrame.functionName === 'main')!;
    expect(main.callFrame.url).toBe('/opt/app/server');
    expect(main.children).toHaveLength(2);
    expect(p.nodes[0]!.callFrame.functionName).toBe('(root)');
  });

  it("weighs each sample by its period (CPU time), so the analysis's hotspots are shares of CPU time", () => {
    const p = parse(text);
    // Each delta is the period of the sample before it; the profile ends after the last one's period.
    expect(p.timeDeltas).toEqual([0, 1000, 1000, 1000]);
    expect(p.endTime - p.startTime).toBe(5000);
    // The analysis times the last sample with the mean gap, as for any profile.
    const report = analyzeCpuProfile(indexCpuProfile(p)).report;
    expect(report.hotspots.find((h) => h.function === 'handle')).toMatchObject({ url: '/opt/app/server', line: 0, self_ms: 0, total_ms: 3 });
    expect(report.hotspots.find((h) => h.function === 'hash_bytes')).toMatchObject({ self_ms: 2, self_pct: 50 });
  });

  it('reads captured perf output of a native busy loop (libm sin under outer/main)', () => {
    const p = parse(readFileSync(new URL('../../../test/fixtures/profile/perf-script.txt', import.meta.url), 'utf8'));
    expect(p.samples).toHaveLength(10);
    const report = analyzeCpuProfile(indexCpuProfile(p)).report;
    expect(report.hotspots[0]).toMatchObject({ function: '__sin_fma', self_pct: 100 });
    expect(report.hot_paths[0]!.stack.map((f) => f.function)).toEqual(['__libc_start_call_main', 'main', 'outer', '__sin_fma']);
  });

  it('gives an empty profile for output without samples', () => {
    expect(parse('').samples).toEqual([]);
  });
});
