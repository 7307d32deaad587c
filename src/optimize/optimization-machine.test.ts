import { describe, expect, it } from 'vitest';
import { OptimizationStatusMessage } from '../wire/optimizing.js';
import { wireAjv } from '../wire/wire-ajv.js';
import type { JudgeSettings } from './impact-judge.js';
import { rollbackExpect, stepOptimization, type OptimizationEvent } from './optimization-machine.js';
import { statusMessage, type Impact, type JudgedVerdict, type OptimizationRecord } from './optimization-record.js';
import { mayAutoApply, proposalProblem, proposalsFromBottleneck, proposedRecord } from './proposals.js';
import type { OptimizationProposal } from './proposal.js';
import { deriveUndo, indexNameOf } from './undo.js';

const S: JudgeSettings = { settleMs: 60_000, beforeMs: 900_000, afterMs: 900_000, looks: 3, minSamples: 20, minEffect: 0.1, confidence: 0.98 };
const T = Date.UTC(2026, 10, 23, 10);
const ID = '5f0c2b1e-8a4d-4c3b-9e2f-1a7d6c5b4e3f';
const checkStatus = wireAjv.compile(OptimizationStatusMessage);

const pool: OptimizationProposal = {
  action: 'set_agent_config',
  params: { agent_id: 'order-agent-1', key: 'db_pool_size', value: 1, previous: 8 },
  source: 'order-agent-1',
  bottleneckId: null,
  undo: { action: 'set_agent_config', params: { agent_id: 'order-agent-1', key: 'db_pool_size', value: 8, previous: 1 } },
  rationale: 'test',
  predicted: {},
  expect: [{ metric: 'handler_latency_p95_ms', direction: 'decrease' }],
  key: 'set_agent_config:order-agent-1:db_pool_size',
};

function run(r: OptimizationRecord, ...events: OptimizationEvent[]): OptimizationRecord {
  for (const e of events) {
    const s = stepOptimization(r, e);
    if (!s.ok) throw new Error(s.message);
    r = s.record;
    expect(checkStatus(statusMessage(r)), JSON.stringify(checkStatus.errors)).toBe(true);
  }
  return r;
}

const impact = (changePct: number): Impact => ({
  metric: 'handler_latency_p95_ms',
  before: { p50: 10, p95: 20, mean: 12 },
  after: { p50: 13, p95: 26, mean: 15 },
  change_pct: changePct,
  significant: true,
  ci_pct: [changePct - 5, changePct + 5],
  load_controlled: true,
  method: 'mann_whitney_hodges_lehmann',
  look: 2,
  metrics: [{ metric: 'handler_latency_p95_ms', direction: 'decrease', outcome: 'regressed', before: { p50: 10, p95: 20, mean: 12 }, after: { p50: 13, p95: 26, mean: 15 }, change_pct: changePct, ci_pct: [null, null], p_value: 0.001, significant: true, samples: { before: 90, after: 60 }, load_controlled: true }],
});
const regressed: JudgedVerdict = { outcome: 'regressed', at: T + 11 * 60_000, impact: impact(30), reason: 'handler_latency_p95_ms changed by 30%' };

describe('the optimization state machine', () => {
  it('goes proposed → applied → regressed (with its undo) → rolled back, whose own judging expects the metric back down', () => {
    const p = proposedRecord(pool, ID, 'advisor', T - 60_000);
    const applied = run(p, { type: 'applied', at: T, by: 'optimizing_engine', wall: 1, settings: S });
    expect(applied).toMatchObject({ status: 'applied', appliedAt: T, appliedBy: 'optimizing_engine', change: { at: T, looksDone: 0, verdict: null } });
    const bad = run(applied, { type: 'judged', of: 'change', looksDone: 2, verdict: regressed });
    expect(statusMessage(bad)).toMatchObject({ status: 'regressed', undo: pool.undo, impact: { change_pct: 30 }, at: new Date(regressed.at).toISOString() });
    const undone = run(bad, { type: 'rolled_back', at: T + 20 * 60_000, by: 'optimizing_engine', wall: 2, settings: S });
    expect(undone.rollback).toMatchObject({ at: T + 20 * 60_000, notBefore: T + 60_000, expect: [{ metric: 'handler_latency_p95_ms', direction: 'decrease' }] });
    const verified: JudgedVerdict = { outcome: 'verified', at: T + 30 * 60_000, impact: impact(-24), reason: 'back down' };
    const done = run(undone, { type: 'judged', of: 'rollback', looksDone: 1, verdict: verified });
    expect(statusMessage(done)).toMatchObject({ status: 'rolled_back', impact: { change_pct: 30 }, rollback: { status: 'verified', impact: { change_pct: -24 } } });
  });

  it('ignores a repeated announcement and refuses one that does not fit the status', () => {
    const applied = run(proposedRecord(pool, ID, 'advisor', T), { type: 'applied', at: T, by: 'operator', wall: 1, settings: S });
    const again = stepOptimization(applied, { type: 'applied', at: T + 5, by: 'optimizing_engine', wall: 2, settings: S });
    expect(again).toMatchObject({ ok: true, transition: null, record: { appliedAt: T, appliedBy: 'operator' } });
    expect(stepOptimization(proposedRecord(pool, ID, 'advisor', T), { type: 'rolled_back', at: T, by: 'operator', wall: 1, settings: S })).toMatchObject({ ok: false, code: 'not_applied' });
    const failed = run(proposedRecord(pool, ID, 'advisor', T), { type: 'failed', at: T, reason: 'applier failed' });
    expect(stepOptimization(failed, { type: 'applied', at: T, by: 'operator', wall: 1, settings: S })).toMatchObject({ ok: false, code: 'conflict' });
  });

  it('fails a regression that has no undo (the contract makes every regressed message carry one)', () => {
    const p = proposedRecord({ ...pool, action: 'scale_out', params: { source: 'a' }, undo: null, key: 'scale_out:a' }, ID, 'bottleneck', T);
    const r = run(p, { type: 'applied', at: T, by: 'operator', wall: 1, settings: S }, { type: 'judged', of: 'change', looksDone: 3, verdict: regressed });
    expect(r).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^regressed .* no undo is known$/) });
  });

  it('expects a rolled-back change that was never judged to move back against its expectation', () => {
    const r = run(proposedRecord(pool, ID, 'advisor', T), { type: 'applied', at: T, by: 'operator', wall: 1, settings: S });
    expect(rollbackExpect(r)).toEqual([{ metric: 'handler_latency_p95_ms', direction: 'increase' }]);
  });
});

describe('proposals and undo', () => {
  it('derives the undo of each change from its parameters', () => {
    expect(indexNameOf('CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_idx ON public.orders (customer_id)')).toBe('orders_customer_idx');
    expect(indexNameOf('create unique index "Odd ""Name""" on t (a)')).toBe('Odd "Name"');
    const create = { database: 'shop', schema: 'public', table: 'orders', columns: ['customer_id'], method: 'btree', ddl: 'CREATE INDEX CONCURRENTLY orders_customer_idx ON public.orders (customer_id)', queryids: ['1'] };
    expect(deriveUndo({ action: 'create_index', params: create })).toEqual({ action: 'drop_index', params: { database: 'shop', schema: 'public', table: 'orders', index: 'orders_customer_idx', ddl: 'DROP INDEX CONCURRENTLY IF EXISTS "public"."orders_customer_idx"' } });
    expect(deriveUndo({ action: 'set_cpu_limit', params: { source: 'a', cgroup: '/sys/fs/cgroup/a', cpu_cores: 2, previous: 0.5 } })).toEqual({ action: 'set_cpu_limit', params: { source: 'a', cgroup: '/sys/fs/cgroup/a', cpu_cores: 0.5, previous: 2 } });
    expect(deriveUndo({ action: 'set_agent_config', params: { agent_id: 'a', key: 'k', value: 1 } })).toBeNull();
    expect(deriveUndo({ action: 'drop_index', params: { database: 'd', schema: 's', table: 't', index: 'i', ddl: 'DROP INDEX i' } })).toBeNull();
    expect(deriveUndo({ action: 'profile', params: {} })).toBeNull();
  });

  it('refuses a change without its undo or judging metrics, and parameters that do not fit the action', () => {
    expect(proposalProblem(pool)).toBeNull();
    expect(proposalProblem({ ...pool, undo: null })).toBe('set_agent_config needs its undo');
    expect(proposalProblem({ ...pool, expect: [] })).toBe('set_agent_config needs the metrics that will judge it');
    expect(proposalProblem({ ...pool, params: { agent_id: 'order-agent-1' } })).toMatch(/^set_agent_config params must have required property/);
  });

  it('turns the recommendations of the closed set into proposals keyed by action and source, leaving free advice and incomplete changes', () => {
    const ps = proposalsFromBottleneck({
      id: '0b4c8a52-7a0e-4a43-9d8e-2f6c0f6d2b11',
      source: 'order-agent-1',
      kind: 'cpu_saturation',
      metric: 'event_loop_utilization',
      scope: 'agent',
      recommendations: [
        { action: 'profile', params: { target: { agent_id: 'order-agent-1' }, kind: 'cpu' }, rationale: 'r' },
        { action: 'scale_out', params: { source: 'order-agent-1' }, rationale: 'r' },
        { action: 'set_cpu_limit', params: { source: 'order-agent-1', factor: 1.5 }, rationale: 'r' },
        { action: 'investigate', params: {}, rationale: 'r' },
      ],
    });
    expect(ps.map((p) => [p.action, p.key, p.expect.map((e) => e.metric)])).toEqual([
      ['profile', 'profile:order-agent-1', []],
      ['scale_out', 'scale_out:order-agent-1', ['event_loop_utilization', 'handler_latency_p95_ms']],
    ]);
    expect(ps[1]!.bottleneckId).toBe('0b4c8a52-7a0e-4a43-9d8e-2f6c0f6d2b11');
  });

  it('auto-applies only changes the local list names, by family or by action, never advice', () => {
    expect(mayAutoApply('create_index', ['indexes'])).toBe(true);
    expect(mayAutoApply('drop_index', ['create_index'])).toBe(false);
    expect(mayAutoApply('set_agent_config', ['agent_config'])).toBe(true);
    expect(mayAutoApply('set_cpu_limit', [])).toBe(false);
    expect(mayAutoApply('scale_out', ['limits', 'indexes', 'agent_config'])).toBe(false);
  });
});
