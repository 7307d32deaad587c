import { describe, expect, it } from 'vitest';
import { formatScoresCsv, parseSeriesCsv, parseSeriesTimestamp, scoreSeries, SeriesCsvError } from './series-csv.js';

describe('parseSeriesTimestamp', () => {
  it('reads NAB and RFC 3339 forms as UTC', () => {
    expect(parseSeriesTimestamp('2014-04-01 00:05:00')).toBe(Date.UTC(2014, 3, 1, 0, 5));
    expect(parseSeriesTimestamp('2014-04-01T00:05:00Z')).toBe(Date.UTC(2014, 3, 1, 0, 5));
    expect(parseSeriesTimestamp('2014-04-01T02:05:00.5+02:00')).toBe(Date.UTC(2014, 3, 1, 0, 5) + 500);
  });

  it('rejects impossible dates and other forms', () => {
    expect(parseSeriesTimestamp('2014-02-30 00:00:00')).toBeNaN();
    expect(parseSeriesTimestamp('2014-04-01')).toBeNaN();
    expect(parseSeriesTimestamp('yesterday')).toBeNaN();
  });
});

describe('parseSeriesCsv', () => {
  it('keeps row order and original text, with CRLF and mixed timestamp forms', () => {
    const rows = parseSeriesCsv('timestamp,value\r\n2014-04-01 00:00:00,20.50\r\n2014-04-01T00:05:00Z,1e1\r\n\r\n');
    expect(rows.map((r) => [r.timestampText, r.valueText, r.value])).toEqual([
      ['2014-04-01 00:00:00', '20.50', 20.5],
      ['2014-04-01T00:05:00Z', '1e1', 10],
    ]);
  });

  it('names the line of a bad row or header', () => {
    expect(() => parseSeriesCsv('time,value\n2014-04-01 00:00:00,1\n')).toThrow(SeriesCsvError);
    expect(() => parseSeriesCsv('timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,abc\n')).toThrow(/line 3: value "abc"/);
    expect(() => parseSeriesCsv('timestamp,value\n2014-04-01 00:00:00,1\nnot-a-time,2\n')).toThrow(/line 3: timestamp/);
    expect(() => parseSeriesCsv('')).toThrow(/line 1/);
  });
});

describe('scoreSeries and formatScoresCsv', () => {
  it('writes one row per input row, in order, even when time goes backwards', () => {
    const text = 'timestamp,value\n2014-04-01 00:10:00,1\n2014-04-01 00:05:00,2\n2014-04-01 00:10:00,3\n';
    const rows = parseSeriesCsv(text);
    const scores = scoreSeries(rows);
    expect(scores).toHaveLength(3);
    expect(scores[1]).toBe(0);
    const out = formatScoresCsv(rows, scores).split('\n');
    expect(out[0]).toBe('timestamp,value,anomaly_score');
    expect(out.slice(1, 4).map((l) => l.split(',').slice(0, 2).join(','))).toEqual([
      '2014-04-01 00:10:00,1', '2014-04-01 00:05:00,2', '2014-04-01 00:10:00,3',
    ]);
  });
});
