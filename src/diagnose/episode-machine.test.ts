import { describe, expect, it } from 'vitest';
import type { BottleneckKind } from '../model/bottleneck.js';
import type { Severity } from '../model/severity.js';
import { newEpisodes, openEpisode, stepFrame, type EpisodeParams, type FrameOutcome } from './episode-machine.js';
import type { Finding } from './finding.js';
import type { FrameDiagnosis } from './rank-findings.js';

const P: EpisodeParams = { holdMs: 30_000, holdSamples: 3, clearMs: 60_000 };
const S = 10_000;

const finding = (kind: BottleneckKind, severity: Severity = 'warning', value = 1, onset?: Finding['onset']): Finding => ({
  kind,
  metric: 'm',
  confidence: 0.8,
  severity,
  metrics: { m: { value, baseline: 1, ratio: value } },
  facts: {},
  ...(onset ? { onset } : {}),
});
const causes = (...f: Finding[]): FrameDiagnosis => ({ causes: f, symptoms: [] });
const none: FrameDiagnosis = { causes: [], symptoms: [] };

/** Runs frames every 10 s from t=0; opens mature signatures at once; returns what happened per frame. */
function run(frames: readonly FrameDiagnosis[]) {
  const m = newEpisodes();
  const log: { t: number; out: FrameOutcome; opened?: BottleneckKind }[] = [];
  frames.forEach((d, i) => {
    const t = i * S;
    const out = stepFrame(m, t, S, d, P);
    let opened: BottleneckKind | undefined;
    if (m.active === null && out.mature.length > 0) opened = openEpisode(m, out.mature[0]!, `id-${i}`, t).kind;
    log.push({ t, out, ...(opened ? { opened } : {}) });
  });
  return { m, log };
}

describe('episode machine (event time)', () => {
  it('opens once the signature has held for the hold duration over enough frames, dated from the start of the first interval showing it', () => {
    const { m, log } = run([none, ...Array(6).fill(causes(finding('cpu_saturation')))]);
    expect(log.filter((l) => l.opened).map((l) => l.t)).toEqual([30_000]);
    expect(m.active).toMatchObject({ kind: 'cpu_saturation', startedAt: 0, detectedAt: 30_000 });
  });

  it('drops a signature that stops before the hold, and never opens for isolated frames', () => {
    const blip = causes(finding('gc_pressure'));
    const { log } = run([blip, none, none, blip, none, none, blip, none, none, none]);
    expect(log.some((l) => l.opened)).toBe(false);
  });

  it('keeps one episode through short gaps, escalates once (two critical frames), and resolves after the clear time, at the first frame without it', () => {
    const w = causes(finding('slow_db_query'));
    const c = causes(finding('slow_db_query', 'critical'));
    const { log } = run([w, w, w, w, none, w, c, c, c, w, ...Array(8).fill(none)]);
    expect(log.filter((l) => l.opened)).toHaveLength(1);
    expect(log.filter((l) => l.out.escalated).map((l) => l.t)).toEqual([70_000]);
    const resolved = log.find((l) => l.out.resolved);
    expect(resolved?.t).toBe(150_000);
    expect(resolved?.out.resolved).toMatchObject({ at: 100_000, episode: { kind: 'slow_db_query', severity: 'critical' } });
  });

  it('tolerates event-loop blocks that come and go (half the frames), not other kinds', () => {
    const b = causes(finding('event_loop_blocked'));
    const g = causes(finding('gc_pressure'));
    expect(run([b, none, b, none, b, none, b, none, b]).log.some((l) => l.opened)).toBe(true);
    expect(run([g, none, g, none, g, none, g, none, g]).log.some((l) => l.opened)).toBe(false);
  });

  it('dates a self-dating signature (a leak) back to its onset and counts its frames', () => {
    const { log, m } = run([none, none, causes(finding('memory_leak', 'warning', 1, { at: -20_000, frames: 4 }))]);
    expect(log[2]?.opened).toBe('memory_leak');
    expect(m.active?.startedAt).toBe(-20_000);
  });

  it('lets an established new cause supersede an open one that has stopped showing', () => {
    const cpu = causes(finding('cpu_saturation'));
    const leak = causes(finding('memory_leak'));
    const { log } = run([cpu, cpu, cpu, cpu, leak, leak, leak, leak, leak]);
    const superseded = log.find((l) => l.out.resolved);
    expect(superseded?.out.resolved).toMatchObject({ at: 40_000, episode: { kind: 'cpu_saturation' } });
    expect(superseded?.opened).toBe('memory_leak');
  });

  it('holds an open episode while its lower bar (continuation) holds', () => {
    const m = newEpisodes();
    for (let i = 0; i < 4; i++) {
      const out = stepFrame(m, i * S, S, causes(finding('memory_leak')), P);
      if (out.mature.length > 0 && m.active === null) openEpisode(m, out.mature[0]!, 'x', i * S);
    }
    for (let i = 4; i < 20; i++) expect(stepFrame(m, i * S, S, none, P, () => true).resolved).toBeNull();
    expect(m.active?.kind).toBe('memory_leak');
  });
});
