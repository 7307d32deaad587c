import { writeFileSync } from 'node:fs';
import pino from 'pino';
import type { Bus } from '../bus/bus.js';
import { openBus } from '../bus/open-bus.js';
import { PrefixedBus } from '../bus/prefixed-bus.js';
import { PROFILE_KINDS, type ProfileKind, type ProfileTarget } from '../model/profile.js';
import type { Config } from '../config/schema.js';
import { isValidName } from '../model/metric-names.js';
import { analyzeProfileBytes } from '../profile/analysis/analyze-profile.js';
import { ProfileFormatError } from '../profile/analysis/profile-format-error.js';
import { agentCaptureOverBus } from '../profile/capture/agent-capture.js';
import { CaptureError, type CaptureRequest } from '../profile/capture/capture-types.js';
import { capturePid } from '../profile/capture/pid-capture.js';
import { EXPORT_FORMATS, formatFromPath, isExportFormat, type ExportFormat } from '../profile/export/export-profile.js';
import { CliError, usageError } from './cli-error.js';
import type { CommandFactory } from './command-factory.js';
import profileCommand, { printProfile } from './profile-offline.js';
import { startProgress } from './progress-bar.js';
import { engineHeaders, engineUrl, loadCliConfig, withConfigOption } from './shared.js';
import { natsAuth } from '../bus/nats-settings.js';

interface CaptureOptions {
  agent?: string;
  pid?: string;
  self?: boolean;
  kind: string;
  duration: string;
  interval?: string;
  out?: string;
  format?: string;
  json?: boolean;
  top: string;
  config?: string;
}

/** What to record, from the options. */
interface CaptureJob {
  readonly target: ProfileTarget;
  readonly label: string;
  readonly kind: ProfileKind;
  readonly durationSeconds: number;
  readonly samplingIntervalUs?: number;
}

/** `--format raw` keeps the profile as recorded (the only way to save heap and event-loop profiles as such). */
type OutputFormat = ExportFormat | 'raw';

function number(value: string, what: string, min: number, max: number, integer: boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw usageError(`${what} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

function parseJob(o: CaptureOptions): CaptureJob {
  const given = [o.agent !== undefined, o.pid !== undefined, o.self === true].filter(Boolean).length;
  if (given !== 1) throw usageError('give exactly one target: --agent ID, --pid N or --self (or a subcommand: analyze, diff)');
  if (!(PROFILE_KINDS as readonly string[]).includes(o.kind)) throw usageError(`--kind must be ${PROFILE_KINDS.join('|')}, got "${o.kind}"`);
  const base = {
    kind: o.kind as ProfileKind,
    durationSeconds: number(o.duration, '--duration', 1, 300, false),
    ...(o.interval !== undefined ? { samplingIntervalUs: number(o.interval, '--interval', 10, 1_000_000, true) } : {}),
  };
  if (o.agent !== undefined) {
    if (!isValidName(o.agent)) throw usageError(`--agent must be 1-128 characters of A-Z a-z 0-9 _ . : -, got "${o.agent.slice(0, 140)}"`);
    return { ...base, target: { agent_id: o.agent }, label: `agent ${o.agent}` };
  }
  if (o.pid !== undefined) {
    const pid = number(o.pid, '--pid', 1, 4_194_304, true);
    return { ...base, target: { pid }, label: `pid ${pid}` };
  }
  return { ...base, target: { self: true }, label: 'the engine' };
}

function parseFormat(o: CaptureOptions): OutputFormat | undefined {
  if (o.format === undefined && o.out === undefined) return undefined;
  if (o.out === undefined) throw usageError('--format needs --out FILE');
  const format = o.format ?? formatFromPath(o.out) ?? (/\.(heapprofile|json)$/i.test(o.out) ? 'raw' : undefined);
  if (format === undefined) throw usageError(`cannot tell the format of ${o.out}: give --format raw|${EXPORT_FORMATS.join('|')}`);
  if (format !== 'raw' && !isExportFormat(format)) throw usageError(`unknown --format "${format}": expected raw|${EXPORT_FORMATS.join('|')}`);
  return format;
}

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json().catch(() => ({}))) as Record<string, unknown>;
}

/** Records through the running engine (stored and published there); null when no engine answers. */
async function viaEngine(config: Config, job: CaptureJob): Promise<Uint8Array | null> {
  const base = engineUrl(config);
  let res: Response;
  try {
    res = await fetch(`${base}/api/v1/profiles`, {
      method: 'POST',
      headers: { ...engineHeaders(config, 'write'), 'content-type': 'application/json' },
      body: JSON.stringify({ target: job.target, kind: job.kind, duration_seconds: job.durationSeconds, ...(job.samplingIntervalUs ? { sampling_interval_us: job.samplingIntervalUs } : {}) }),
      signal: AbortSignal.timeout(3000),
    });
  } catch {
    return null;
  }
  const body = await json(res);
  if (res.status !== 202) {
    const e = body.error as { code?: string; message?: string } | undefined;
    throw new CliError(`the engine refused: ${e?.code ?? res.status}: ${e?.message ?? JSON.stringify(body)}`);
  }
  const id = String(body.profile_id);
  const progress = startProgress(`recording ${job.kind} profile of ${job.label} (profile ${id})`, job.durationSeconds * 1000);
  try {
    const deadline = Date.now() + job.durationSeconds * 1000 + config.profiling_agent_timeout_seconds * 1000 + 60_000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      const p = await json(await fetch(`${base}/api/v1/profiles/${id}`, { headers: engineHeaders(config, 'read'), signal: AbortSignal.timeout(5000) }));
      if (p.status === 'failed') throw new CliError(`profile ${id} failed: ${String(p.error)}`);
      if (p.status === 'completed') break;
      if (Date.now() > deadline) throw new CliError(`profile ${id} did not finish in time; see GET ${base}/api/v1/profiles/${id}`);
    }
  } finally {
    progress.done();
  }
  const raw = await fetch(`${base}/api/v1/profiles/${id}/download?format=raw`, { headers: engineHeaders(config, 'read'), signal: AbortSignal.timeout(60_000) });
  if (!raw.ok) throw new CliError(`cannot download profile ${id}: HTTP ${raw.status}`);
  process.stderr.write(`profile ${id} stored by the engine (${base}/api/v1/profiles/${id})\n`);
  return new Uint8Array(await raw.arrayBuffer());
}

async function openCliBus(config: Config): Promise<Bus> {
  const bus = await openBus({
    url: config.nats_url,
    name: 'perf-engine-profile',
    ...natsAuth(config),
    log: pino({ level: 'silent' }),
    signal: AbortSignal.timeout(5000),
  }).catch((err: unknown) => {
    throw new CliError(`cannot reach NATS to ask the agent: ${String(err)}`);
  });
  if (bus.kind === 'memory') throw new CliError('no NATS server answers (and NATS_URL is not set): cannot reach the agent');
  return config.nats_subject_prefix ? new PrefixedBus(bus, config.nats_subject_prefix) : bus;
}

/** Records from this command itself when no engine runs: agents over NATS, pids under the same allow-list. */
async function locally(config: Config, job: CaptureJob): Promise<Uint8Array> {
  const target = job.target;
  if ('self' in target) throw new CliError(`no engine answers at ${engineUrl(config)}: --self profiles the running engine (start it with perf-engine start)`);
  const req: CaptureRequest = {
    kind: job.kind,
    durationMs: job.durationSeconds * 1000,
    maxBytes: config.profiling_max_profile_bytes,
    samplingIntervalUs: job.samplingIntervalUs ?? config.profiling_sampling_interval_us,
  };
  const bus = 'agent_id' in target ? await openCliBus(config) : null;
  const progress = startProgress(`recording ${job.kind} profile of ${job.label} (no engine running: not stored)`, req.durationMs);
  try {
    if ('pid' in target) return (await capturePid(target.pid, req, { allowed: config.profiling_allowed_processes })).raw;
    return (await agentCaptureOverBus(() => bus!, () => config.profiling_agent_timeout_seconds * 1000)(target.agent_id, req)).raw;
  } catch (err) {
    if (err instanceof CaptureError) throw new CliError(`${err.code}: ${err.message}`);
    throw err;
  } finally {
    progress.done();
    await bus?.close();
  }
}

async function capture(o: CaptureOptions): Promise<void> {
  const job = parseJob(o);
  const format = parseFormat(o);
  const top = number(o.top, '--top', 1, 100_000, true);
  const { config } = loadCliConfig(o.config);
  const raw = (await viaEngine(config, job)) ?? (await locally(config, job));
  if (format === 'raw' && o.out !== undefined) {
    writeFileSync(o.out, raw);
    process.stderr.write(`wrote ${o.out} (raw ${job.kind} profile, ${raw.length} bytes)\n`);
  }
  let loaded;
  try {
    loaded = analyzeProfileBytes(raw, { top, hotPaths: Math.min(top, 10) });
  } catch (err) {
    if (err instanceof ProfileFormatError) throw new CliError(`the recorded profile cannot be read: ${err.message}`);
    throw err;
  }
  printProfile(loaded, job.label, {
    top,
    json: o.json === true,
    ...(format !== undefined && format !== 'raw' ? { format } : {}),
    ...(o.out !== undefined ? { out: o.out } : {}),
  });
}

/**
 * `perf-engine profile (--agent ID | --pid N | --self) [--kind] [--duration S] [--out FILE]
 * [--format]`: records a profile with a progress bar, through the running engine when one answers
 * (stored there and published), else from this command (agents over NATS, pids under the same
 * allow-list); then shows it as `profile analyze` does. The `analyze` and `diff` subcommands stay beside it.
 */
const profileCaptureCommand: CommandFactory = () =>
  withConfigOption(profileCommand())
    .description('record a profile of an agent, a local process or the engine; or analyse, export and compare profile files')
    .option('--agent <id>', 'profile an SDK agent by its agent id (over NATS)')
    .option('--pid <n>', 'profile a local process (must match profiling_allowed_processes)')
    .option('--self', 'profile the running engine')
    .option('--kind <kind>', `what to record: ${PROFILE_KINDS.join('|')}`, 'cpu')
    .option('--duration <seconds>', 'how long to record, 1-300', '10')
    .option('--interval <us>', 'CPU sampling interval in microseconds (default profiling_sampling_interval_us)')
    .option('--out <file>', 'write the profile or an export of it to this file')
    .option('--format <format>', `raw|${EXPORT_FORMATS.join('|')} (default: from --out's extension)`)
    .option('--json', 'print the report as JSON (hotspots as in performance.profile_report)')
    .option('--top <n>', 'how many hotspots to show', '20')
    // The subcommands have options of the same names: these are read only before a subcommand.
    .enablePositionalOptions()
    .action((o: CaptureOptions) => capture(o));

export default profileCaptureCommand;
