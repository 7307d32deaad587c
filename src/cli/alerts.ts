import { userInfo } from 'node:os';
import { Command } from 'commander';
import { addSilence, removeSilence, silenceProblem, silenceViews, UUID_PATTERN, type SilenceInput } from '../alert/stage/alert-commands.js';
import { formatMetricValue } from '../alert/alert-message.js';
import { acknowledgeAlert, listAlerts, type AlertView } from '../alert/stage/alert-repo.js';
import { ALERT_STATES, type AlertState } from '../model/alert.js';
import type { SilenceView } from '../alert/stage/silence-repo.js';
import { SEVERITIES, type Severity } from '../model/severity.js';
import type { Config } from '../config/schema.js';
import { parseDuration } from '../model/time.js';
import { CliError, usageError } from './cli-error.js';
import { engineHeaders, engineUrl, loadCliConfig, println, table, withConfigOption, withDirectDb } from './shared.js';

/** Calls the running engine's API; the error body's message becomes a one-line CLI error. */
async function callEngine<T>(config: Config, method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${engineUrl(config)}${path}`, {
      method,
      headers: { ...engineHeaders(config, method === 'GET' ? 'read' : 'write'), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    throw new CliError('the data folder is held by an engine that does not answer over HTTP');
  }
  const json = (await res.json()) as T & { error?: { code?: string; message?: string } };
  if (!res.ok) throw new CliError(json.error?.message ?? `engine answered ${res.status}`, json.error?.code === 'not_found' ? 1 : res.status === 400 ? 2 : 1);
  return json;
}

const whoami = () => {
  try {
    return userInfo().username;
  } catch {
    return 'cli';
  }
};

function printAlerts(alerts: readonly AlertView[]): void {
  if (alerts.length === 0) return println('no alerts');
  println(
    table(
      ['ALERT', 'STATE', 'SEVERITY', 'RULE', 'SOURCE', 'METRIC', 'VALUE', 'STARTED', 'ACK', 'MESSAGE'],
      alerts.map((a) => [
        a.alert_id,
        a.state,
        a.severity,
        a.rule,
        a.source,
        a.metric,
        a.value === null ? '-' : formatMetricValue(a.metric, a.value),
        a.started_at,
        a.acknowledged_by ?? '-',
        a.message,
      ]),
    ),
  );
}

function printSilences(silences: readonly SilenceView[]): void {
  if (silences.length === 0) return println('no silences');
  println(
    table(
      ['SILENCE', 'SOURCE', 'METRIC', 'SEVERITY', 'ENDS', 'ACTIVE', 'BY', 'COMMENT'],
      silences.map((s) => [s.silence_id, s.source, s.metric, s.severity ?? '*', s.ends_at, s.active ? 'yes' : 'no', s.created_by ?? '-', s.comment]),
    ),
  );
}

function listCommand(parent: Command): Command {
  return parent
    .option('--state <state>', `only alerts in this state: ${ALERT_STATES.join(', ')}`)
    .option('--limit <n>', 'most alerts shown, newest first', '100')
    .option('--json', 'print a JSON array')
    .action(async (opts: { config?: string; state?: string; limit: string; json?: boolean }) => {
      if (opts.state !== undefined && !(ALERT_STATES as readonly string[]).includes(opts.state)) {
        throw usageError(`--state "${opts.state}": expected one of ${ALERT_STATES.join(', ')}`);
      }
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw usageError(`--limit "${opts.limit}": expected an integer from 1 to 10000`);
      const { config } = loadCliConfig(opts.config);
      const state = opts.state as AlertState | undefined;
      let alerts = await withDirectDb(config, (db) => listAlerts(db, { state, limit }));
      if (alerts === null) {
        const q = new URLSearchParams({ limit: String(limit), ...(state ? { state } : {}) });
        alerts = (await callEngine<{ alerts: AlertView[] }>(config, 'GET', `/api/v1/alerts?${q}`)).alerts;
      }
      if (opts.json) println(JSON.stringify(alerts));
      else printAlerts(alerts);
    });
}

function silenceCommand(): Command {
  return withConfigOption(new Command('silence'))
    .description('hold back notifications of matching alerts for a while')
    .requiredOption('--source <glob>', 'glob on the source name (* and ?)')
    .option('--metric <glob>', 'glob on the metric name', '*')
    .option('--severity <severity>', `only this severity: ${SEVERITIES.join(', ')}`)
    .requiredOption('--for <duration>', 'how long, e.g. 30m, 2h, 1d')
    .option('--comment <text>', 'why', '')
    .option('--by <name>', 'who silences', whoami())
    .option('--json', 'print the silence as JSON')
    .action(async (opts: { config?: string; source: string; metric: string; severity?: string; for: string; comment: string; by: string; json?: boolean }) => {
      if (opts.severity !== undefined && !(SEVERITIES as readonly string[]).includes(opts.severity)) {
        throw usageError(`--severity "${opts.severity}": expected one of ${SEVERITIES.join(', ')}`);
      }
      const durationMs = parseDuration(opts.for);
      if (Number.isNaN(durationMs)) throw usageError(`--for "${opts.for}": expected a duration such as 30m, 2h, 1d`);
      const input: SilenceInput = {
        source: opts.source,
        metric: opts.metric,
        severity: opts.severity as Severity | undefined,
        durationMs,
        comment: opts.comment,
        createdBy: opts.by,
      };
      const problem = silenceProblem(input);
      if (problem) throw usageError(problem);
      const { config } = loadCliConfig(opts.config);
      let silence = await withDirectDb(config, (db) => addSilence(db, input, Date.now()));
      if (silence === null) {
        const body = { source: input.source, metric: input.metric, ...(input.severity ? { severity: input.severity } : {}), duration_seconds: durationMs / 1000, comment: input.comment, created_by: input.createdBy };
        silence = (await callEngine<{ silence: SilenceView }>(config, 'POST', '/api/v1/silences', body)).silence;
      }
      if (opts.json) println(JSON.stringify(silence));
      else println(`silence ${silence.silence_id} until ${silence.ends_at}`);
    });
}

function silencesCommand(): Command {
  return withConfigOption(new Command('silences'))
    .description('list silences in force (or every one with --all)')
    .option('--all', 'also the expired ones')
    .option('--json', 'print a JSON array')
    .action(async (opts: { config?: string; all?: boolean; json?: boolean }) => {
      const { config } = loadCliConfig(opts.config);
      let silences = await withDirectDb(config, (db) => silenceViews(db, Date.now(), opts.all === true));
      if (silences === null) silences = (await callEngine<{ silences: SilenceView[] }>(config, 'GET', `/api/v1/silences?all=${opts.all === true}`)).silences;
      if (opts.json) println(JSON.stringify(silences));
      else printSilences(silences);
    });
}

function unsilenceCommand(): Command {
  return withConfigOption(new Command('unsilence'))
    .description('end a silence now')
    .argument('<id>', 'silence id (from `alerts silences`)')
    .action(async (id: string, opts: { config?: string }) => {
      if (!new RegExp(UUID_PATTERN).test(id)) throw usageError(`"${id}": expected a silence id (a UUID)`);
      const { config } = loadCliConfig(opts.config);
      const done = await withDirectDb(config, (db) => removeSilence(db, id, Date.now()));
      if (done === null) await callEngine(config, 'DELETE', `/api/v1/silences/${id}`);
      else if (!done) throw new CliError(`no active silence ${id}`);
      println(`silence ${id} ended`);
    });
}

function ackCommand(): Command {
  return withConfigOption(new Command('ack'))
    .description('acknowledge an open alert until it resolves (stops its re-notifications)')
    .argument('<id>', 'alert id (from `alerts`)')
    .option('--by <name>', 'who acknowledges', whoami())
    .action(async (id: string, opts: { config?: string; by: string }) => {
      if (!new RegExp(UUID_PATTERN).test(id)) throw usageError(`"${id}": expected an alert id (a UUID)`);
      const { config } = loadCliConfig(opts.config);
      const r = await withDirectDb(config, (db) => acknowledgeAlert(db, id, opts.by, Date.now()));
      if (r === null) await callEngine(config, 'POST', `/api/v1/alerts/${id}/ack`, { by: opts.by });
      else if (!r.ok) throw new CliError(r.reason === 'not_found' ? `no alert ${id}` : `alert ${id} is resolved`);
      println(`alert ${id} acknowledged by ${opts.by}`);
    });
}

/** `perf-engine alerts`: list alerts; silence, unsilence and acknowledge. */
export default function alertsCommand(): Command {
  const cmd = withConfigOption(new Command('alerts'))
    .description('list alerts (newest first); manage silences and acknowledgements')
    // The subcommands have options of the same names: these are read only before a subcommand.
    .enablePositionalOptions();
  listCommand(cmd);
  for (const sub of [silenceCommand(), silencesCommand(), unsilenceCommand(), ackCommand()]) cmd.addCommand(sub.exitOverride());
  return cmd;
}
