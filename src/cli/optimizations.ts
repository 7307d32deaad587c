import { Command } from 'commander';
import type { Config } from '../config/schema.js';
import { isValidName } from '../model/metric-names.js';
import { OPTIMIZATION_STATUSES, type OptimizationStatus } from '../model/optimization.js';
import { parseTimeArg, TIME_ARG_HELP } from '../model/time.js';
import { judgeSettings } from '../optimize/impact-judge.js';
import { statusMessage } from '../optimize/optimization-record.js';
import { ApplierRegistry } from '../optimize/stage/appliers.js';
import { OptimizationService, type CommandResult } from '../optimize/stage/optimization-service.js';
import { optimizationDetail, optimizationViews, type OptimizationDetail } from '../optimize/stage/optimization-views.js';
import type { Db } from '../store/db.js';
import type { OptimizationStatusMessage } from '../wire/optimizing.js';
import { CliError, usageError } from './cli-error.js';
import { engineUrl, loadCliConfig, println, table, withConfigOption, withDirectDb } from './shared.js';

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Calls the running engine's API: the answer's body, or null when no engine answers. */
async function callEngine<T>(config: Config, method: string, path: string, body?: unknown): Promise<T | null> {
  let res: Response;
  try {
    res = await fetch(`${engineUrl(config)}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    return null;
  }
  const json = (await res.json()) as T & { error?: { code?: string; message?: string } };
  if (!res.ok) throw new CliError(json.error?.message ?? `engine answered ${res.status}`, res.status === 400 ? 2 : 1);
  return json;
}

/** Reads from the database directly when the engine does not hold it, else asks the engine (`pick` takes the answer apart). */
async function read<T, B>(config: Config, direct: (db: Db) => Promise<T>, path: string, pick: (body: B) => T): Promise<T> {
  const local = await withDirectDb(config, direct);
  if (local !== null) return local;
  const remote = await callEngine<B>(config, 'GET', path);
  if (remote === null) throw new CliError('the data folder is held by an engine that does not answer over HTTP');
  return pick(remote);
}

/**
 * Runs a command through the running engine (it publishes the change and judges it at once); with
 * no engine answering, records a mark straight in the database, where the engine finds it, and
 * publishes it, when it runs. What the engine must carry out itself needs it running.
 */
async function command(config: Config, path: string, body: unknown, direct: ((s: OptimizationService) => Promise<CommandResult>) | null): Promise<OptimizationStatusMessage> {
  const remote = await callEngine<{ optimization: OptimizationStatusMessage }>(config, 'POST', path, body);
  if (remote !== null) return remote.optimization;
  if (direct === null) throw new CliError('no engine answers over HTTP: applying a change or its undo needs the running engine and its appliers');
  const r = await withDirectDb(config, (db) => direct(new OptimizationService({ db, appliers: new ApplierRegistry(), settings: () => ({ judge: judgeSettings(config), autoApply: [], maxWaitMs: 0, insightsIntervalMs: 0, baselineMs: 0 }), log: { info() {}, warn() {}, error() {} } })));
  if (r === null) throw new CliError('the data folder is held by an engine that does not answer over HTTP');
  if (!r.ok) throw new CliError(r.message);
  return statusMessage(r.record);
}

function printList(list: readonly OptimizationStatusMessage[]): void {
  if (list.length === 0) return println('no optimizations');
  const change = (m: OptimizationStatusMessage) => (m.impact ? `${m.impact.metric} ${m.impact.change_pct > 0 ? '+' : ''}${m.impact.change_pct}%` : '-');
  println(table(['OPTIMIZATION', 'STATUS', 'ACTION', 'SOURCE', 'AT', 'CHANGE', 'REASON'], list.map((m) => [m.optimization_id, m.status, m.action, m.source ?? '-', m.at, change(m), m.reason ?? ''])));
}

function printDetail(d: OptimizationDetail): void {
  const m = d.optimization as OptimizationStatusMessage & { rationale?: string; rollback?: { status: string; reason: string } };
  println(`${m.optimization_id}  ${m.action}  ${m.status}${m.reason ? ` (${m.reason})` : ''}`);
  println(`source: ${m.source ?? '-'}  bottleneck: ${m.bottleneck_id ?? '-'}`);
  println(`params: ${JSON.stringify(m.params ?? {})}`);
  println(`undo: ${m.undo ? JSON.stringify(m.undo) : '-'}`);
  println(`judged on: ${(m.expect ?? []).map((e) => `${e.metric} ${e.direction}`).join(', ') || '-'}`);
  if (m.rationale) println(`why: ${m.rationale}`);
  if (m.impact) println(`impact: ${m.impact.metric} p50 ${m.impact.before.p50} -> ${m.impact.after.p50}, change ${m.impact.change_pct}%${m.impact.significant ? ' (significant)' : ''}`);
  if (m.rollback) println(`rollback: ${m.rollback.status} (${m.rollback.reason})`);
  println(table(['#', 'EVENT', 'STATUS', 'AT', 'BY', 'REASON'], d.transitions.map((t) => [String(t.seq), t.event, t.status, t.at, t.by, t.reason ?? ''])));
  if (d.profile_diff) printProfileDiff(d.profile_diff);
}

/** The agent's CPU profiles before and after the change: what moved in the hot path. */
function printProfileDiff(p: NonNullable<OptimizationDetail['profile_diff']>): void {
  println(`cpu profiles: ${p.status}${p.reason ? ` (${p.reason})` : ''}, before ${p.before_profile_id ?? '-'}, after ${p.after_profile_id ?? '-'}`);
  if (!p.changes || p.changes.length === 0) return;
  const pct = (x: number) => `${x.toFixed(1)}%`;
  println(
    table(
      ['FUNCTION', 'SELF BEFORE', 'SELF AFTER', 'MOVE', 'TOTAL BEFORE', 'TOTAL AFTER', 'WHERE'],
      p.changes.map((c) => [c.function, pct(c.before_self_pct), pct(c.after_self_pct), `${c.delta_pct > 0 ? '+' : ''}${c.delta_pct.toFixed(1)} pts`, pct(c.before_total_pct), pct(c.after_total_pct), c.url ? `${c.url}:${c.line}` : '-']),
    ),
  );
}

function idArg(id: string): string {
  if (!UUID.test(id)) throw usageError(`"${id}": expected an optimization id (a UUID)`);
  return id;
}

function atOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const at = parseTimeArg(text, Date.now());
  if (Number.isNaN(at)) throw usageError(`--at "${text}": expected ${TIME_ARG_HELP}`);
  return at;
}

function listAction(parent: Command): Command {
  return parent
    .option('--status <status>', `only this status: ${OPTIMIZATION_STATUSES.join(', ')}`)
    .option('--source <name>', 'only optimizations for this source (or judged on its series)')
    .option('--limit <n>', 'most optimizations shown, newest first', '100')
    .option('--json', 'print a JSON array of the optimizations as performance.optimization_status describes them')
    .action(async (opts: { config?: string; status?: string; source?: string; limit: string; json?: boolean }) => {
      if (opts.status !== undefined && !(OPTIMIZATION_STATUSES as readonly string[]).includes(opts.status)) throw usageError(`--status "${opts.status}": expected one of ${OPTIMIZATION_STATUSES.join(', ')}`);
      if (opts.source !== undefined && !isValidName(opts.source)) throw usageError(`--source "${opts.source}": expected 1-128 characters of A-Z a-z 0-9 _ . : -`);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw usageError(`--limit "${opts.limit}": expected an integer from 1 to 10000`);
      const { config } = loadCliConfig(opts.config);
      const filter = { status: opts.status as OptimizationStatus | undefined, source: opts.source, limit };
      const q = new URLSearchParams({ limit: String(limit), ...(filter.status ? { status: filter.status } : {}), ...(filter.source ? { source: filter.source } : {}) });
      const list = await read(config, (db) => optimizationViews(db, filter), `/api/v1/optimizations?${q}`, (b: { optimizations: OptimizationStatusMessage[] }) => b.optimizations);
      if (opts.json) println(JSON.stringify(list));
      else printList(list);
    });
}

function sub(name: string, description: string): Command {
  return withConfigOption(new Command(name)).description(description).exitOverride();
}

/** `perf-engine optimizations`: list optimizations; show one; apply, mark applied, roll back. */
export default function optimizationsCommand(): Command {
  const cmd = withConfigOption(new Command('optimizations'))
    .description('list optimizations (newest first) and their verdicts; show, apply, mark applied, roll back')
    .enablePositionalOptions();
  listAction(cmd);
  const show = sub('show', 'one optimization: its parameters, undo, judging metrics, impact and history; for an agent change the engine applied, what moved in its CPU profile')
    .argument('<id>', 'optimization id')
    .option('--json', 'print the optimization and its transitions as JSON')
    .action(async (id: string, opts: { config?: string; json?: boolean }) => {
      const { config } = loadCliConfig(opts.config);
      const d = await read(config, (db) => optimizationDetail(db, idArg(id)), `/api/v1/optimizations/${idArg(id)}`, (b: OptimizationDetail) => b);
      if (d === null) throw new CliError(`no optimization ${id}`);
      if (opts.json) println(JSON.stringify(d));
      else printDetail(d);
    });
  const apply = sub('apply', 'have the running engine apply a proposed optimization with its applier')
    .argument('<id>', 'optimization id')
    .action(async (id: string, opts: { config?: string }) => {
      const m = await command(loadCliConfig(opts.config).config, `/api/v1/optimizations/${idArg(id)}/apply`, {}, null);
      println(`optimization ${m.optimization_id} ${m.status}`);
    });
  const mark = sub('mark-applied', 'record that a proposed optimization was applied (by you), so the engine judges it')
    .argument('<id>', 'optimization id')
    .option('--at <time>', `when it took effect: ${TIME_ARG_HELP} (default now)`)
    .action(async (id: string, opts: { config?: string; at?: string }) => {
      const at = atOption(opts.at);
      const m = await command(loadCliConfig(opts.config).config, `/api/v1/optimizations/${idArg(id)}/mark-applied`, at === undefined ? {} : { at: new Date(at).toISOString() }, (s) => s.markApplied(id, at ?? Date.now(), 'operator'));
      println(`optimization ${m.optimization_id} ${m.status} at ${m.at}`);
    });
  const rollback = sub('rollback', "have the running engine apply an optimization's undo, or with --mark record that you did")
    .argument('<id>', 'optimization id')
    .option('--mark', 'record an undo applied by someone else instead of applying it')
    .option('--at <time>', `with --mark, when the undo took effect: ${TIME_ARG_HELP} (default now)`)
    .action(async (id: string, opts: { config?: string; mark?: boolean; at?: string }) => {
      const at = atOption(opts.at);
      if (at !== undefined && !opts.mark) throw usageError('--at goes with --mark (without it the engine applies the undo now)');
      const body = opts.mark ? { mark: true, ...(at === undefined ? {} : { at: new Date(at).toISOString() }) } : {};
      const direct = opts.mark ? (s: OptimizationService) => s.markRolledBack(id, at ?? Date.now(), 'operator') : null;
      const m = await command(loadCliConfig(opts.config).config, `/api/v1/optimizations/${idArg(id)}/rollback`, body, direct);
      println(`optimization ${m.optimization_id} ${m.status} at ${m.at}`);
    });
  for (const c of [show, apply, mark, rollback]) cmd.addCommand(c);
  return cmd;
}
