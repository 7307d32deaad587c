import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeProfileBytes } from '../src/profile/analysis/analyze-profile.js';
import { exportProfile } from '../src/profile/export/export-profile.js';
import { pprofName } from '../src/profile/export/pprof-export.js';

const hasGo = spawnSync('go', ['version']).status === 0;
if (!hasGo) process.stderr.write('profile-pprof-go: `go` not found, skipping (install Debian package golang-go)\n');

const dir = mkdtempSync(join(tmpdir(), 'pprof-go-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `go tool pprof -top` rows: function name -> flat% and cum%. */
function goTop(file: string, sampleIndex: string): Map<string, { flat: number; cum: number }> {
  const out = execFileSync('go', ['tool', 'pprof', '-top', '-nodecount=200', `-sample_index=${sampleIndex}`, file], {
    encoding: 'utf8',
    env: { ...process.env, HOME: dir, PPROF_TMPDIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const rows = new Map<string, { flat: number; cum: number }>();
  for (const line of out.split('\n')) {
    const m = /^\s*\S+\s+([\d.]+)%\s+[\d.]+%\s+\S+\s+([\d.]+)%\s+(.+)$/.exec(line);
    if (m) rows.set(m[3]!.trim(), { flat: Number(m[1]), cum: Number(m[2]) });
  }
  return rows;
}

describe.skipIf(!hasGo)('pprof export read by `go tool pprof -top` (Debian golang-go)', () => {
  it('shows the same self and total shares as our hotspots for a real CPU profile', () => {
    const loaded = analyzeProfileBytes(readFileSync(new URL('fixtures/profile/workload-before.cpuprofile', import.meta.url)));
    if (loaded.kind !== 'cpu') throw new Error('fixture is not a CPU profile');
    const file = join(dir, 'cpu.pb.gz');
    writeFileSync(file, exportProfile(loaded, 'pprof', 'cpu') as Uint8Array);
    const rows = goTop(file, 'cpu');
    const names = loaded.profile.functions;
    const top = loaded.analysis.report.hotspots.slice(0, 6);
    expect(top.length).toBeGreaterThan(3);
    for (const h of top) {
      const key = names.find((f) => f.url === h.url && f.line === h.line && (f.name === h.function || f.name === ''))!;
      const row = rows.get(pprofName(key));
      expect(row, `${pprofName(key)} missing from go tool pprof -top`).toBeDefined();
      expect(row!.flat).toBeCloseTo(h.self_pct, 1);
      expect(row!.cum).toBeCloseTo(h.total_pct, 1);
    }
  });

  it('reads the heap export with space/bytes as its default sample type', () => {
    const loaded = analyzeProfileBytes(readFileSync(new URL('fixtures/profile/workload.heapprofile', import.meta.url)));
    if (loaded.kind !== 'heap') throw new Error('fixture is not a heap profile');
    const file = join(dir, 'heap.pb.gz');
    writeFileSync(file, exportProfile(loaded, 'pprof', 'heap') as Uint8Array);
    const rows = goTop(file, 'space');
    const site = loaded.analysis.report.allocation_sites[0]!;
    expect(rows.get(site.function)?.flat).toBeCloseTo(site.self_pct, 1);
  });
});
