import { describe, expect, it } from 'vitest';
import { matches, parsePromQL, parseSelector } from './promql-parse.js';
import { formatValue, seriesLabels } from './prometheus-format.js';

describe('parsePromQL', () => {
  it('reads a selector with label matchers of every kind', () => {
    expect(parsePromQL('network_rx_bytes_per_sec{source="web-1", device=~"eth.*", host!="", region!~\'us-.*\',}')).toEqual({
      type: 'selector',
      matchers: [
        { name: '__name__', op: '=', value: 'network_rx_bytes_per_sec' },
        { name: 'source', op: '=', value: 'web-1' },
        { name: 'device', op: '=~', value: 'eth.*' },
        { name: 'host', op: '!=', value: '' },
        { name: 'region', op: '!~', value: 'us-.*' },
      ],
    });
  });

  it('reads a metric name given as a matcher or quoted, for names Prometheus would not allow', () => {
    expect(parseSelector('{__name__="my.metric"}')).toEqual([{ name: '__name__', op: '=', value: 'my.metric' }]);
    expect(parseSelector('{"my.metric", source="a"}')).toEqual([
      { name: '__name__', op: '=', value: 'my.metric' },
      { name: 'source', op: '=', value: 'a' },
    ]);
  });

  it('reads aggregations with by or without, before or after their argument', () => {
    const inner = { type: 'selector', matchers: [{ name: '__name__', op: '=', value: 'cpu_usage' }] };
    expect(parsePromQL('sum by (source, host) (cpu_usage)')).toEqual({ type: 'aggregate', op: 'sum', grouping: { mode: 'by', labels: ['source', 'host'] }, expr: inner });
    expect(parsePromQL('avg(cpu_usage) without (device)')).toEqual({ type: 'aggregate', op: 'avg', grouping: { mode: 'without', labels: ['device'] }, expr: inner });
    expect(parsePromQL('count(cpu_usage)')).toEqual({ type: 'aggregate', op: 'count', grouping: null, expr: inner });
  });

  it('reads the *_over_time functions with their range', () => {
    expect(parsePromQL('max_over_time(cpu_usage{source="a"}[1h30m])')).toEqual({
      type: 'range_function',
      fn: 'max_over_time',
      matchers: [
        { name: '__name__', op: '=', value: 'cpu_usage' },
        { name: 'source', op: '=', value: 'a' },
      ],
      rangeMs: 5_400_000,
    });
  });

  it('reads arithmetic with numbers, with PromQL precedence', () => {
    expect(parsePromQL('1+1')).toEqual({ type: 'binary', op: '+', left: { type: 'number', value: 1 }, right: { type: 'number', value: 1 } });
    expect(parsePromQL('-2^2')).toEqual({ type: 'negate', expr: { type: 'binary', op: '^', left: { type: 'number', value: 2 }, right: { type: 'number', value: 2 } } });
    expect(parsePromQL('memory_rss_bytes / 1024 / 1024')).toMatchObject({ type: 'binary', op: '/', left: { type: 'binary', op: '/' }, right: { value: 1024 } });
    expect(parsePromQL('Inf')).toEqual({ type: 'number', value: Infinity });
  });

  it.each([
    ['', '1:1: parse error: no expression found in input'],
    ['rate(x[5m])', '1:1: parse error: function "rate" is not supported; supported:'],
    ['a + b', '1:3: parse error: operations between two series selections are not supported'],
    ['a > 1', '1:3: parse error: comparison operators are not supported'],
    ['a offset 5m', '1:3: parse error: the offset modifier is not supported'],
    ['a and b', '1:3: parse error: set operators (and, or, unless) are not supported'],
    ['a[5m]', '1:2: parse error: ranges are only supported inside'],
    ['{}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
    ['{source=~".*"}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
    ['a{source="x}', '1:10: parse error: unterminated quoted string'],
    ['a{source=~"("}', '1:11: parse error: invalid regular expression in matcher'],
    ['a{source="x" host="y"}', '1:14: parse error: unexpected identifier "host", expected ","'],
    ['sum(1)', '1:5: parse error: expected a series selection in aggregation "sum", got a number'],
    ['topk(3, a)', '1:1: parse error: function "topk" is not supported'],
    ['max_over_time(a[0s])', '1:17: parse error: bad duration "0s"'],
    ['a b', '1:3: parse error: unexpected identifier "b"'],
  ])('refuses %j: %s', (q, message) => {
    expect(() => parsePromQL(q)).toThrow(message);
  });
});

describe('matches', () => {
  it('anchors regular expressions and treats a missing label as empty', () => {
    expect(matches({ name: 'device', op: '=~', value: 'eth.*' }, 'eth0')).toBe(true);
    expect(matches({ name: 'device', op: '=~', value: 'eth' }, 'eth0')).toBe(false);
    expect(matches({ name: 'device', op: '!~', value: 'eth.*' }, '')).toBe(true);
    expect(matches({ name: 'device', op: '=', value: '' }, '')).toBe(true);
  });
});

describe('Prometheus formatting', () => {
  it('writes values as Go writes floats, without exponents', () => {
    expect([1.5, -0.25, 1e21, 1.5e-7, -1.2345e22, NaN, Infinity, -Infinity, 0].map(formatValue)).toEqual([
      '1.5',
      '-0.25',
      '1000000000000000000000',
      '0.00000015',
      '-12345000000000000000000',
      'NaN',
      '+Inf',
      '-Inf',
      '0',
    ]);
  });

  it('labels a series with __name__, source, host, device and its stream labels', () => {
    const labels = seriesLabels({
      source: 'node:api',
      host: 'h1',
      labels: { pid: '42', 'k8s.pod': 'p', '1st': 'x', source: 'clash' },
      metric: 'network_rx_bytes_per_sec.eth0',
      name: 'network_rx_bytes_per_sec',
      device: 'eth0',
    });
    expect(labels).toEqual({ __name__: 'network_rx_bytes_per_sec', source: 'node:api', host: 'h1', device: 'eth0', pid: '42', k8s_pod: 'p', _1st: 'x' });
  });
});
