import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { InsightsMessage } from './insights.js';
import { OptimizationAppliedMessage, OptimizationRolledBackMessage, OptimizationStatusMessage } from './optimizing.js';
import { wireAjv } from './wire-ajv.js';

const addFormats = formats as unknown as { default: (ajv: Ajv2020) => Ajv2020 };
const exported = new Ajv2020({ strict: false });
addFormats.default(exported);

const SCHEMAS: Record<string, TSchema> = {
  'optimizing.optimization_applied': OptimizationAppliedMessage,
  'optimizing.optimization_rolled_back': OptimizationRolledBackMessage,
  'performance.optimization_status': OptimizationStatusMessage,
  'performance.insights': InsightsMessage,
};
const runtime = new Map(Object.entries(SCHEMAS).map(([subject, schema]) => [subject, wireAjv.compile(schema)]));
const fromFiles = new Map(
  Object.keys(SCHEMAS).map((subject) => [subject, exported.compile(JSON.parse(readFileSync(`schemas/${subject}.schema.json`, 'utf8')) as object)]),
);

/**
 * Whether `message` is valid on `subject`, by the validator the engine uses at the edge and by the
 * exported file in schemas/ (a consumer's view); the two must agree.
 */
function valid(subject: string, message: unknown): boolean {
  const fromCode = runtime.get(subject)!(message);
  const fromFile = fromFiles.get(subject)!(message);
  expect(fromFile, `schemas/${subject}.schema.json disagrees with the code`).toBe(fromCode);
  return fromCode;
}

// The contract's examples, with its placeholders ("uuid", "...") replaced by real values.
const OPT_ID = '5f0c2b1e-8a4d-4c3b-9e2f-1a7d6c5b4e3f';
const BOTTLENECK_ID = '0b4c8a52-7a0e-4a43-9d8e-2f6c0f6d2b11';
const AT = '2026-11-23T10:06:00.000Z';

const applied = {
  optimization_id: OPT_ID,
  source: 'order-agent-1',
  action: 'set_agent_config',
  params: { agent_id: 'order-agent-1', key: 'db_pool_size', value: 8, previous: 2 },
  applied_at: '2026-11-23T10:05:00.000Z',
  expect: [{ metric: 'handler_latency_p95_ms', direction: 'decrease' }],
};

const status = {
  optimization_id: OPT_ID,
  bottleneck_id: BOTTLENECK_ID,
  action: 'create_index',
  status: 'proposed',
  at: AT,
  impact: { metric: 'cpu_usage', before: { p50: 0, p95: 0 }, after: { p50: 0, p95: 0 }, change_pct: 0, significant: true },
};

const createIndex = {
  database: 'orders',
  schema: 'public',
  table: 'order_lines',
  columns: ['order_id', 'created_at'],
  method: 'btree',
  ddl: 'CREATE INDEX CONCURRENTLY order_lines_order_id_created_at_idx ON public.order_lines (order_id, created_at)',
  queryids: ['-3749273264412341234'],
};
const dropIndex = { database: 'orders', schema: 'public', table: 'order_lines', index: 'order_lines_order_id_created_at_idx', ddl: 'DROP INDEX CONCURRENTLY public.order_lines_order_id_created_at_idx' };

const insights = {
  source: 'order-agent-1',
  at: AT,
  baselines: { cpu_usage: { p50: 31.2, p95: 44.0 } },
  open_bottlenecks: [{ bottleneck_id: BOTTLENECK_ID, kind: 'slow_db_query', severity: 'warning' }],
  recent_verdicts: [{ optimization_id: OPT_ID, action: 'create_index', status: 'verified', impact: { metric: 'db_query_p95_ms', change_pct: -71.5 } }],
};

describe('optimizing.optimization_applied', () => {
  const subject = 'optimizing.optimization_applied';

  it('accepts the contract example, and a change of the sender own with source, action and expect', () => {
    expect(valid(subject, applied)).toBe(true);
    const { optimization_id: _proposed, ...own } = applied;
    expect(valid(subject, { ...own, applied_at: Date.parse(own.applied_at) })).toBe(true);
    expect(valid(subject, { optimization_id: OPT_ID, applied_at: AT })).toBe(true);
  });

  it('rejects a change of its own without expect, a missing applied_at, a wrong type and an unknown action', () => {
    const { optimization_id: _proposed, ...own } = applied;
    const { expect: _judging, ...unjudged } = own;
    expect(valid(subject, unjudged)).toBe(false);
    const { applied_at: _when, ...undated } = applied;
    expect(valid(subject, undated)).toBe(false);
    expect(valid(subject, { ...applied, applied_at: 'yesterday' })).toBe(false);
    expect(valid(subject, { ...applied, expect: [{ metric: 'handler_latency_p95_ms', direction: 'down' }] })).toBe(false);
    expect(valid(subject, { ...applied, action: 'reboot_host' })).toBe(false);
  });

  it('rejects parameters that do not fit the action', () => {
    const { previous: _previous, ...noPrevious } = applied.params;
    expect(valid(subject, { ...applied, params: noPrevious })).toBe(false);
    expect(valid(subject, { ...applied, action: 'create_index', params: createIndex })).toBe(true);
    expect(valid(subject, { ...applied, action: 'create_index', params: { ...createIndex, columns: 'order_id' } })).toBe(false);
  });
});

describe('optimizing.optimization_rolled_back', () => {
  const subject = 'optimizing.optimization_rolled_back';

  it('accepts the contract example and rejects a missing field or a wrong type', () => {
    expect(valid(subject, { optimization_id: OPT_ID, rolled_back_at: AT })).toBe(true);
    expect(valid(subject, { optimization_id: OPT_ID })).toBe(false);
    expect(valid(subject, { optimization_id: 42, rolled_back_at: AT })).toBe(false);
    expect(valid(subject, { optimization_id: 'not-a-uuid', rolled_back_at: AT })).toBe(false);
  });
});

describe('performance.optimization_status', () => {
  const subject = 'performance.optimization_status';

  it('accepts the contract example and one with every optional field', () => {
    expect(valid(subject, status)).toBe(true);
    const full = {
      ...status,
      status: 'regressed',
      source: 'order-agent-1',
      params: createIndex,
      undo: { action: 'drop_index', params: dropIndex },
      expect: [{ metric: 'db_query_p95_ms', direction: 'decrease' }],
      predicted: { planner_cost_before: 48211.5, planner_cost_after: 12.4 },
      reason: 'handler latency rose by 40% after the index was created',
    };
    expect(valid(subject, full)).toBe(true);
    expect(valid(subject, { ...status, bottleneck_id: null, action: 'set_cpu_limit', params: { source: 'order-agent-1', cgroup: '/sys/fs/cgroup/orders', cpu_cores: 2, previous: null } })).toBe(true);
  });

  it('rejects an unknown action or status, a wrong type and a missing required field', () => {
    expect(valid(subject, { ...status, action: 'reboot_host' })).toBe(false);
    expect(valid(subject, { ...status, status: 'done' })).toBe(false);
    expect(valid(subject, { ...status, at: Date.parse(AT) })).toBe(false);
    const { at: _at, ...undated } = status;
    expect(valid(subject, undated)).toBe(false);
  });

  it('rejects a regressed status without undo, and parameters or an undo that do not fit their action', () => {
    expect(valid(subject, { ...status, status: 'regressed' })).toBe(false);
    const { columns: _columns, ...noColumns } = createIndex;
    expect(valid(subject, { ...status, params: noColumns })).toBe(false);
    expect(valid(subject, { ...status, undo: { action: 'drop_index', params: createIndex } })).toBe(false);
    expect(valid(subject, { ...status, action: 'set_memory_limit', params: { source: 'a', cgroup: '/x', bytes: 'lots', previous: null } })).toBe(false);
  });
});

describe('performance.insights', () => {
  const subject = 'performance.insights';

  it('accepts the contract example, and a source with nothing open or judged', () => {
    expect(valid(subject, insights)).toBe(true);
    expect(valid(subject, { ...insights, open_bottlenecks: [], recent_verdicts: [] })).toBe(true);
  });

  it('rejects a missing field, a wrong type, an unknown kind and an unknown action', () => {
    const { baselines: _baselines, ...noBaselines } = insights;
    expect(valid(subject, noBaselines)).toBe(false);
    expect(valid(subject, { ...insights, baselines: { cpu_usage: { p50: '31.2', p95: 44 } } })).toBe(false);
    expect(valid(subject, { ...insights, open_bottlenecks: [{ ...insights.open_bottlenecks[0], kind: 'cpu_spike' }] })).toBe(false);
    expect(valid(subject, { ...insights, recent_verdicts: [{ ...insights.recent_verdicts[0], action: 'reboot_host' }] })).toBe(false);
  });
});
