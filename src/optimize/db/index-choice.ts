import { toValidName } from '../../model/metric-names.js';
import type { OptimizationProposal } from '../proposal.js';
import { createIndexDdl, dropIndexDdl, indexName, type IndexCandidate } from './index-candidates.js';
import { statementExpectations } from './statement-series.js';
import type { RankedStatement } from './statements.js';

/** Thresholds of index proposals. */
export interface IndexChoiceSettings {
  /** Least relative cut of the statement's planner cost (0.5: to half or less). */
  readonly minGain: number;
  /** On a write-heavy table the remaining cost must be this many times smaller still. */
  readonly writeHeavyFactor: number;
}

/** Rows written to and read from a table since its statistics were reset (pg_stat_user_tables). */
export interface TableTraffic {
  /** n_tup_ins + n_tup_upd + n_tup_del. */
  readonly written: number;
  /** seq_tup_read + idx_tup_fetch. */
  readonly read: number;
}

/** The gain a table's index must bring, given what its rows go through. */
export interface GainBar {
  readonly required: number;
  /** Share of written rows among rows written and read (0-1). */
  readonly writeShare: number;
  /** More rows written than read: every index slows each write, so it must pay back more. */
  readonly writeHeavy: boolean;
}

/**
 * The cut a candidate on this table must achieve: `minGain`, or on a write-heavy table (more rows
 * written than read) a cost left `writeHeavyFactor` times smaller, e.g. 0.5 → 0.75 with factor 2.
 */
export function gainBar(s: IndexChoiceSettings, t: TableTraffic | undefined): GainBar {
  const written = t?.written ?? 0;
  const total = written + (t?.read ?? 0);
  const writeShare = total > 0 ? written / total : 0;
  const writeHeavy = writeShare > 0.5;
  return { required: writeHeavy ? 1 - (1 - s.minGain) / s.writeHeavyFactor : s.minGain, writeShare, writeHeavy };
}

/** A candidate costed by the planner with a hypothetical index. */
export interface CostedCandidate {
  readonly candidate: IndexCandidate;
  /** Total planner cost of the statement with the hypothetical index. */
  readonly costAfter: number;
  /** Whether the plan used the hypothetical index. */
  readonly used: boolean;
  /** Estimated size of the index (hypopg_relation_size), when known. */
  readonly sizeBytes: number | null;
}

/** A ranked statement, its planner cost and its costed candidates. */
export interface PlannedStatement {
  readonly statement: RankedStatement;
  readonly costBefore: number;
  readonly costed: readonly CostedCandidate[];
}

/** The candidate chosen for a statement, with the bar it cleared. */
export interface IndexChoice {
  readonly costed: CostedCandidate;
  readonly gain: number;
  readonly bar: GainBar;
}

/**
 * The best used candidate whose cut clears its table's bar: the lowest cost, and of two within
 * 5 % of each other the one with fewer columns (smaller, cheaper to keep up). Null when none does.
 */
export function chooseIndex(p: PlannedStatement, bar: (c: IndexCandidate) => GainBar): IndexChoice | null {
  if (!(p.costBefore > 0)) return null;
  const ok = p.costed
    .filter((c) => c.used && 1 - c.costAfter / p.costBefore >= bar(c.candidate).required)
    .sort((a, b) => a.costAfter - b.costAfter);
  if (ok.length === 0) return null;
  const best = ok[0]!;
  const narrow = ok.find((c) => c.candidate.columns.length < best.candidate.columns.length && c.costAfter <= best.costAfter * 1.05);
  const pick = narrow ?? best;
  return { costed: pick, gain: 1 - pick.costAfter / p.costBefore, bar: bar(pick.candidate) };
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** Identity of an index change: `create_index:db.schema.table(col,...)`. */
export function createIndexKey(database: string, c: IndexCandidate): string {
  return `create_index:${database}.${c.schema}.${c.table}(${c.columns.join(',')})`;
}

function rationale(database: string, p: PlannedStatement, ch: IndexChoice): string {
  const c = ch.costed.candidate;
  const s = p.statement;
  const table = `${c.schema}.${c.table}`;
  const bar = ch.bar.writeHeavy
    ? `at least ${round(100 * ch.bar.required, 0)} % asked of a write-heavy table (${round(100 * ch.bar.writeShare, 0)} % of its rows written)`
    : `at least ${round(100 * ch.bar.required, 0)} % asked`;
  return (
    `statement ${s.queryid} of ${database} took ${round(s.sharePct, 1)} % of its statement time (${s.calls} calls, mean ${round(s.meanMs, 3)} ms) ` +
    `scanning ${table} sequentially; with a btree index on (${c.columns.join(', ')}) its planner cost falls from ${round(p.costBefore)} ` +
    `to ${round(ch.costed.costAfter)} (-${round(100 * ch.gain, 1)} %, ${bar})`
  );
}

/**
 * Proposals of indexes for planned statements: each statement's chosen index, one proposal per
 * index however many statements it serves (their queryids and predictions together), in order of
 * the time the statements consumed. Each is judged on the mean time of its statements.
 */
export function indexProposals(
  database: string,
  planned: readonly PlannedStatement[],
  bar: (c: IndexCandidate) => GainBar,
): OptimizationProposal[] {
  const byKey = new Map<string, { first: PlannedStatement; choice: IndexChoice; all: { p: PlannedStatement; ch: IndexChoice }[] }>();
  for (const p of planned) {
    const ch = chooseIndex(p, bar);
    if (!ch) continue;
    const key = createIndexKey(database, ch.costed.candidate);
    const entry = byKey.get(key);
    if (entry) entry.all.push({ p, ch });
    else byKey.set(key, { first: p, choice: ch, all: [{ p, ch }] });
  }
  return [...byKey.entries()].map(([key, { first, choice, all }]) => {
    const c = choice.costed.candidate;
    const name = indexName(c.table, c.columns);
    const queryids = all.map((x) => x.p.statement.queryid);
    const base = { database, schema: c.schema, table: c.table };
    return {
      action: 'create_index',
      params: { ...base, columns: [...c.columns], method: c.method, index: name, ddl: createIndexDdl(c, name), queryids },
      undo: { action: 'drop_index', params: { ...base, index: name, ddl: dropIndexDdl(c.schema, name) } },
      source: toValidName(database),
      bottleneckId: null,
      rationale: rationale(database, first, choice),
      predicted: {
        cost_before: round(first.costBefore),
        cost_after: round(choice.costed.costAfter),
        cost_cut_pct: round(100 * choice.gain, 1),
        required_cut_pct: round(100 * choice.bar.required, 1),
        write_share_pct: round(100 * choice.bar.writeShare, 1),
        index_size_bytes: choice.costed.sizeBytes,
        statements: all.map(({ p, ch }) => ({
          queryid: p.statement.queryid,
          mean_ms: round(p.statement.meanMs, 3),
          calls: p.statement.calls,
          cost_before: round(p.costBefore),
          cost_after: round(ch.costed.costAfter),
        })),
      },
      expect: statementExpectations(database, queryids),
      key,
    } satisfies OptimizationProposal;
  });
}

