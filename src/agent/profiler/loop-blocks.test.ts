import { describe, expect, it } from 'vitest';
import { indexCpuProfile } from '../../profile/analysis/cpu-profile.js';
import { attributeBlocks, longestGaps } from './loop-blocks.js';

const frame = (functionName: string, line = 0) => ({ functionName, scriptId: '1', url: functionName.startsWith('(') ? '' : 'file:///app.js', lineNumber: line, columnNumber: 0 });

/** root → (idle), (program), main → parse → tokenize; one sample per ms from t = 1000 µs. */
const profile = indexCpuProfile({
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 3, 4] },
    { id: 2, callFrame: frame('(idle)') },
    { id: 3, callFrame: frame('(program)') },
    { id: 4, callFrame: frame('main', 1), children: [5] },
    { id: 5, callFrame: frame('parse', 10), children: [6] },
    { id: 6, callFrame: frame('tokenize', 20) },
  ],
  startTime: 1000,
  endTime: 21_000,
  // 0-4 ms idle, 5-14 ms in parse (tokenize mostly, one program sample), 15-19 ms idle.
  samples: [2, 2, 2, 2, 2, 6, 6, 5, 6, 3, 6, 6, 5, 6, 6, 2, 2, 2, 2, 2],
  timeDeltas: Array.from({ length: 20 }, (_, i) => (i === 0 ? 0 : 1000)),
});

describe('blocking stacks', () => {
  it('names the stack sampled most often inside a gap, JavaScript before (program)', () => {
    const [block] = attributeBlocks([{ startUs: 5500, endUs: 15_200 }], profile, 1000);
    expect(block!.duration_ms).toBe(9.7);
    expect(block!.at_ms).toBe(4.5);
    expect(block!.stack.map((f) => f.function)).toEqual(['main', 'parse', 'tokenize']);
    expect(block!.stack[2]).toEqual({ function: 'tokenize', url: 'file:///app.js', line: 21 });
  });

  it('gives an empty stack to a gap with only idle samples, or without a profile', () => {
    expect(attributeBlocks([{ startUs: 1000, endUs: 4000 }], profile, 1000)[0]!.stack).toEqual([]);
    expect(attributeBlocks([{ startUs: 1000, endUs: 4000 }], null, 1000)[0]!.stack).toEqual([]);
  });

  it('keeps the longest gaps in time order', () => {
    const gaps = [{ startUs: 0, endUs: 10 }, { startUs: 100, endUs: 300 }, { startUs: 50, endUs: 90 }, { startUs: 400, endUs: 450 }];
    expect(longestGaps(gaps, 2)).toEqual([{ startUs: 100, endUs: 300 }, { startUs: 400, endUs: 450 }]);
  });
});
