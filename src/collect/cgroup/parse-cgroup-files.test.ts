import { describe, expect, it } from 'vitest';
import { cpuQuotaCores, parseByteLimit, parseCpuMax, parseKeyedCounters, parseSingleValue } from './parse-cgroup-files.js';

describe('cgroup file parsers', () => {
  it('reads keyed counters such as cpu.stat', () => {
    const m = parseKeyedCounters('usage_usec 78485580\nuser_usec 48465955\nnr_throttled 0\n');
    expect(m.get('usage_usec')).toBe(78485580);
    expect(m.get('nr_throttled')).toBe(0);
    expect(m.size).toBe(3);
  });

  it('reads single values', () => {
    expect(parseSingleValue('17887232\n')).toBe(17887232);
    expect(parseSingleValue('max\n')).toBeUndefined();
  });

  it('treats max and the v1 page-rounded LONG_MAX as no memory limit', () => {
    expect(parseByteLimit('max\n')).toBeUndefined();
    expect(parseByteLimit('9223372036854771712\n')).toBeUndefined();
    expect(parseByteLimit('536870912\n')).toBe(536870912);
  });

  it('turns CPU quotas into cores', () => {
    expect(parseCpuMax('max 100000\n')).toBeUndefined();
    expect(parseCpuMax('50000 100000\n')).toBe(0.5);
    expect(parseCpuMax('200000 100000\n')).toBe(2);
    expect(cpuQuotaCores('-1\n', '100000\n')).toBeUndefined();
    expect(cpuQuotaCores('150000\n', '100000\n')).toBe(1.5);
  });
});
