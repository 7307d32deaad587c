import type { DbFindings, MissingPiece } from '../optimize/db/db-findings.js';
import type { OptimizationProposal } from '../optimize/proposal.js';
import { table } from './shared.js';

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());
const fixed = (x: number, d = 2) => x.toFixed(d);
const oneLine = (text: string, max: number) => {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};
const mib = (bytes: unknown) => (typeof bytes === 'number' ? `${(bytes / 1048576).toFixed(1)} MiB` : '-');

/** Lines telling what is missing and how to provide it. */
export function missingLines(missing: readonly MissingPiece[]): string[] {
  return missing.flatMap((m) => [`  missing ${m.what}: ${m.detail}`, `    fix: ${m.fix}`]);
}

function statementLines(f: DbFindings): string[] {
  if (f.statements.length === 0) return ['statements: none recorded'];
  const rows = f.statements.map((s, i) => [
    String(i + 1),
    s.queryid,
    String(s.calls),
    fixed(s.totalMs, 1),
    fixed(s.meanMs, 3),
    `${fixed(s.sharePct, 1)}%`,
    oneLine(s.query, 90),
  ]);
  return [`statements by time consumed since ${iso(f.since)}:`, table(['#', 'QUERYID', 'CALLS', 'TOTAL_MS', 'MEAN_MS', 'SHARE', 'STATEMENT'], rows)];
}

function indexLines(proposals: readonly OptimizationProposal[], f: DbFindings): string[] {
  const out = ['proposed indexes:'];
  const creates = proposals.filter((p) => p.action === 'create_index');
  if (creates.length === 0) out.push(f.missing.some((m) => m.what === 'hypopg' || m.what === 'pg_stat_statements') ? '  none: see what is missing' : '  none');
  for (const p of creates) {
    const pr = p.predicted as { cost_before: number; cost_after: number; cost_cut_pct: number; required_cut_pct: number; index_size_bytes: unknown };
    out.push(
      `  ${String(p.params.schema)}.${String(p.params.table)} (${(p.params.columns as string[]).join(', ')}): cost ${pr.cost_before} -> ${pr.cost_after} ` +
        `(-${pr.cost_cut_pct} %, at least ${pr.required_cut_pct} % asked), about ${mib(pr.index_size_bytes)}, for ${(p.params.queryids as string[]).join(', ')}`,
      `    ${String(p.params.ddl)}`,
      `    undo: ${String(p.undo?.params.ddl)}`,
    );
  }
  const unplanned = f.planned.filter((p) => p.error !== null);
  for (const p of unplanned) out.push(`  (statement ${p.queryid} not planned: ${p.error})`);
  return out;
}

function dropLines(proposals: readonly OptimizationProposal[]): string[] {
  const drops = proposals.filter((p) => p.action === 'drop_index');
  if (drops.length === 0) return ['drop candidates: none'];
  return ['drop candidates:', ...drops.flatMap((p) => [`  ${String(p.params.reason)}: ${p.rationale}`, `    ${String(p.params.ddl)}`])];
}

function healthLines(f: DbFindings): string[] {
  const out: string[] = [];
  if (f.lockWaits.length === 0) out.push('lock waits: none now');
  else {
    out.push('lock waits:');
    out.push(
      table(
        ['PID', 'WAITING_MS', 'LOCK', 'MODE', 'RELATION', 'BLOCKED_BY', 'STATEMENT'],
        f.lockWaits.map((w) => [String(w.pid), fixed(w.waitingMs, 0), w.lockType ?? '-', w.mode ?? '-', w.relation ?? '-', w.blockedBy.join(','), oneLine(w.query, 60)]),
      ),
    );
  }
  out.push(`deadlocks: ${f.deadlocks} since ${iso(f.statsSince)}`);
  const c = f.cache;
  if (!c || c.ratio === null) out.push('cache hit ratio: too few block reads to tell');
  else {
    out.push(`cache hit ratio: ${fixed(100 * c.ratio, 2)} %${c.poor ? ' (poor: below 99 %; shared_buffers may be too small for the working set)' : ''}`);
    for (const t of c.worstTables) out.push(`  ${t.table}: ${fixed(100 * t.ratio, 2)} % (${t.read} blocks read from outside the cache)`);
  }
  return out;
}

function costLine(f: DbFindings): string {
  const c = f.cost;
  const share = c.shareOfDbTimePct === null ? '' : `, ${c.shareOfDbTimePct} % of the database's statement time since ${iso(f.since)}`;
  const window = c.shareOfWindowPct === null ? '' : `, ${c.shareOfWindowPct} % of its interval`;
  return `advisor cost: ${c.statements} statements, ${fixed(c.ms, 1)} ms${share}${window}`;
}

/** The human form of one database's findings. */
export function findingsText(f: DbFindings): string {
  const lines = [`database ${f.database} at ${f.target}`];
  if (f.error !== null && f.missing.length === 0) lines.push(`  error: ${f.error}`);
  lines.push(...missingLines(f.missing));
  if (f.error === null) {
    lines.push(...statementLines(f), ...indexLines(f.proposals, f), ...dropLines(f.proposals), ...healthLines(f), costLine(f));
  }
  return lines.join('\n');
}
