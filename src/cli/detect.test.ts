import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = join(root, 'test/fixtures/detect/mixed-crlf.csv');
const work = mkdtempSync(join(tmpdir(), 'perf-detect-'));

function cli(...args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'detect', ...args], { encoding: 'utf8', cwd: root });
  return { status: r.status, stderr: r.stderr };
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('perf-engine detect', () => {
  it('scores a CRLF CSV with both timestamp forms, same rows in the same order', () => {
    const out = join(work, 'scores.csv');
    const r = cli('--input', fixture, '--output', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const input = readFileSync(fixture, 'utf8').split('\r\n').filter((l) => l !== '');
    const lines = readFileSync(out, 'utf8').split('\n').filter((l) => l !== '');
    expect(lines[0]).toBe('timestamp,value,anomaly_score');
    expect(lines).toHaveLength(input.length);
    for (let i = 1; i < lines.length; i++) {
      const [ts, value, score] = lines[i]!.split(',');
      expect(`${ts},${value}`).toBe(input[i]);
      expect(Number(score)).toBeGreaterThanOrEqual(0);
      expect(Number(score)).toBeLessThanOrEqual(1);
    }
  });

  it('scores a folder tree into the same relative paths', () => {
    const r = cli('--input-dir', join(root, 'test/fixtures/detect'), '--output-dir', join(work, 'tree'));
    expect(r.status).toBe(0);
    expect(readFileSync(join(work, 'tree/mixed-crlf.csv'), 'utf8').startsWith('timestamp,value,anomaly_score\n')).toBe(true);
  });

  it('fails with one line naming the file and line of a bad row', () => {
    const bad = join(work, 'bad.csv');
    writeFileSync(bad, 'timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,x\n');
    const r = cli('--input', bad, '--output', join(work, 'bad-out.csv'));
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/bad\.csv: line 3/);
  });

  it('fails on a missing file and on a bad header', () => {
    expect(cli('--input', join(work, 'nope.csv'), '--output', join(work, 'o.csv')).status).toBe(1);
    const header = join(work, 'header.csv');
    writeFileSync(header, 'time,val\n2014-04-01 00:00:00,1\n');
    const r = cli('--input', header, '--output', join(work, 'o.csv'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/line 1/);
  });

  it('exits 2 on bad arguments', () => {
    expect(cli('--input', fixture).status).toBe(2);
    expect(cli('--input', fixture, '--output', 'x.csv', '--input-dir', work).status).toBe(2);
  });
});
