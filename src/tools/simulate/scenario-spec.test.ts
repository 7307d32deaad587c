import { describe, expect, it } from 'vitest';
import { parseScenarioSpec, planEpisodes } from './scenario-spec.js';
import { buildTruth } from './truth.js';

const ids = ['sim-agent-0', 'sim-agent-1', 'sim-agent-2'];

describe('--scenario', () => {
  it('parses the name alone, with a start, a length and an agent', () => {
    expect(parseScenarioSpec('cpu_hog')).toEqual({ scenario: 'cpu_hog', startS: 0, lengthS: null, agent: null });
    expect(parseScenarioSpec('disk_io@30+60:2')).toEqual({ scenario: 'disk_io', startS: 30, lengthS: 60, agent: '2' });
    expect(parseScenarioSpec('gc_pressure@12.5:sim-agent-1')).toEqual({ scenario: 'gc_pressure', startS: 12.5, lengthS: null, agent: 'sim-agent-1' });
  });

  it('refuses unknown scenarios, bad syntax and empty lengths with the reason', () => {
    expect(() => parseScenarioSpec('fork_bomb')).toThrow(/unknown scenario "fork_bomb".*cpu_hog/);
    expect(() => parseScenarioSpec('cpu_hog@x')).toThrow(/expected NAME/);
    expect(() => parseScenarioSpec('cpu_hog@5+0')).toThrow(/above 0/);
  });

  it('places episodes on agents by index or id, on agent 0 by default, clipped to the run', () => {
    const specs = ['cpu_hog', 'memory_leak@10+100:1', 'disk_io@5+10:sim-agent-2'].map(parseScenarioSpec);
    expect(planEpisodes(specs, ids, 60)).toEqual([
      { id: 0, scenario: 'cpu_hog', agentIndex: 0, startS: 0, endS: 60 },
      { id: 1, scenario: 'memory_leak', agentIndex: 1, startS: 10, endS: 60 },
      { id: 2, scenario: 'disk_io', agentIndex: 2, startS: 5, endS: 15 },
    ]);
  });

  it('refuses unknown agents, starts after the end and overlapping episodes of one scenario on one agent', () => {
    expect(() => planEpisodes([parseScenarioSpec('cpu_hog:3')], ids, 60)).toThrow(/no agent "3"/);
    expect(() => planEpisodes([parseScenarioSpec('cpu_hog@60')], ids, 60)).toThrow(/after the 60 s run/);
    expect(() => planEpisodes(['cpu_hog@0+20', 'cpu_hog@10+5'].map(parseScenarioSpec), ids, 60)).toThrow(/overlap/);
    expect(planEpisodes(['cpu_hog@0+10', 'cpu_hog@10+5', 'gc_pressure@0+20'].map(parseScenarioSpec), ids, 60)).toHaveLength(3);
  });
});

describe('ground truth', () => {
  it('names the PROTOCOL.md kind of each scenario and gives RFC 3339 times in onset order', () => {
    const truth = buildTruth([
      { scenario: 'slow_db_query', agent: 'sim-agent-1', startedAt: Date.UTC(2026, 0, 1, 0, 1), endedAt: Date.UTC(2026, 0, 1, 0, 2) },
      { scenario: 'cpu_hog', agent: 'sim-agent-0', startedAt: Date.UTC(2026, 0, 1, 0, 0), endedAt: Date.UTC(2026, 0, 1, 0, 3) },
    ]);
    expect(truth.episodes).toEqual([
      { scenario: 'cpu_hog', kind: 'cpu_saturation', agent: 'sim-agent-0', start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T00:03:00.000Z' },
      { scenario: 'slow_db_query', kind: 'slow_db_query', agent: 'sim-agent-1', start: '2026-01-01T00:01:00.000Z', end: '2026-01-01T00:02:00.000Z' },
    ]);
  });
});
