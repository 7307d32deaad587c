import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { handMadeProfile } from '../../../test/fixtures/profile/hand-made-profile.js';
import { indexCpuProfile } from './cpu-profile.js';
import { readCpuProfile } from './cpu-profile-reader.js';
import { ProfileFormatError } from './profile-format-error.js';

const FIXTURES = new URL('../../../test/fixtures/profile/', import.meta.url);
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const plain = (index: object): unknown => JSON.parse(JSON.stringify(index, (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v)));

describe('readCpuProfile', () => {
  it.each(['workload-before.cpuprofile', 'workload-after.cpuprofile'])('reads %s exactly as JSON.parse + indexCpuProfile', (name) => {
    const file = readFileSync(new URL(name, FIXTURES));
    expect(plain(readCpuProfile(file))).toEqual(plain(indexCpuProfile(JSON.parse(file.toString('utf8')))));
  });

  it('handles pretty-printing, escapes, non-ASCII names, numeric scriptIds and unknown keys', () => {
    const p = handMadeProfile();
    const odd = {
      ...p,
      title: 'x',
      nodes: p.nodes.map((n, i) =>
        i === 1 ? { ...n, callFrame: { ...n.callFrame, functionName: 'mä\\in "q"\u2028', scriptId: 12 }, positionTicks: [{ line: 1, ticks: 2 }] } : n,
      ),
    };
    const text = JSON.stringify(odd, null, 2);
    const fromBytes = readCpuProfile(bytes(text));
    expect(plain(fromBytes)).toEqual(plain(indexCpuProfile(JSON.parse(text))));
    expect(fromBytes.frames.some((f) => f.functionName === 'mä\\in "q"\u2028' && f.scriptId === '12')).toBe(true);
  });

  it('accepts trace-style nodes that name their parent instead of children', () => {
    const text = JSON.stringify({
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 } },
        { id: 2, parent: 1, callFrame: { functionName: 'a', scriptId: '1', url: 'file:///a.js', lineNumber: 0, columnNumber: 0 } },
      ],
      startTime: 0,
      endTime: 10,
      samples: [2],
      timeDeltas: [5],
    });
    const index = readCpuProfile(bytes(text));
    expect(Array.from(index.parent)).toEqual([-1, 0]);
    expect(plain(index)).toEqual(plain(indexCpuProfile(JSON.parse(text))));
  });

  it.each([
    ['{"nodes":[', /malformed JSON at byte/],
    ['[1,2]', /not a CPU profile/],
    ['{"head":{}}', /not a CPU profile/],
    ['{"nodes":[],"startTime":0,"endTime":0}', /no nodes/],
    ['{"nodes":[{"id":1,"callFrame":{"functionName":"(root)","url":"","scriptId":"0"},"children":[9]}],"startTime":0,"endTime":1}', /unknown child 9/],
    ['{"nodes":[{"id":1,"callFrame":{"functionName":"(root)","url":"","scriptId":"0"}}],"startTime":0,"endTime":1,"samples":[4],"timeDeltas":[1]}', /unknown node 4/],
    ['{"nodes":[{"id":1,"callFrame":{"functionName":"(root)","url":"","scriptId":"0"}}],"startTime":0,"endTime":1,"samples":[1],"timeDeltas":[]}x', /trailing data/],
  ])('rejects %s with a reason', (text, reason) => {
    expect(() => readCpuProfile(bytes(text))).toThrow(ProfileFormatError);
    expect(() => readCpuProfile(bytes(text))).toThrow(reason);
  });
});
