import { createProcessMatcher } from '../../collect/process-matcher.js';
import { CaptureError, type CaptureRequest, type CapturedProfile } from './capture-types.js';
import { captureNodeProcess, isNodeProcess, readProcessInfo, type ProcessInfo } from './node-process.js';
import { capturePerf } from './perf-capture.js';

/** What a capture by pid may do. */
export interface PidCaptureOptions {
  /** `profiling_allowed_processes`: regular expressions on process name or command line; empty refuses every pid. */
  readonly allowed: readonly string[];
  /** PATH where `perf` is looked up (default the engine's). */
  readonly pathEnv?: string;
  readonly procRoot?: string;
  readonly activationTimeoutMs?: number;
}

function describe(info: ProcessInfo): string {
  const line = info.argv.join(' ');
  return `${info.comm}${line ? `: ${line.length > 120 ? `${line.slice(0, 117)}...` : line}` : ''}`;
}

/** Refuses a process that the allow-list does not name; the message says how to allow it. */
export function checkAllowed(info: ProcessInfo, allowed: readonly string[]): void {
  const how =
    'the inspector gives full control of a process, so only processes named in profiling_allowed_processes may be profiled ' +
    '(regular expressions on the process name or command line, in the config file or PERF_ENGINE_PROFILING_ALLOWED_PROCESSES, ' +
    `e.g. '["^node .*order-agent"]'; it cannot be changed live)`;
  if (allowed.length === 0) throw new CaptureError('not_allowed', `profiling by pid is off (profiling_allowed_processes is empty): ${how}`);
  if (!createProcessMatcher(allowed)(info.comm, () => info.argv)) {
    throw new CaptureError('not_allowed', `pid ${info.pid} (${describe(info)}) matches none of profiling_allowed_processes ${JSON.stringify(allowed)}: ${how}`);
  }
}

/**
 * Records a profile of a local process by pid, once the allow-list admits it: a Node.js process
 * through its inspector on 127.0.0.1, any other process with `perf` (CPU only). The engine's own
 * pid is refused: the `self` target profiles it without opening a port.
 */
export async function capturePid(pid: number, req: CaptureRequest, opts: PidCaptureOptions): Promise<CapturedProfile> {
  if (pid === process.pid) throw new CaptureError('not_allowed', `pid ${pid} is the engine itself: use the target {"self": true}`);
  const info = readProcessInfo(pid, opts.procRoot);
  checkAllowed(info, opts.allowed);
  if (isNodeProcess(info)) {
    return captureNodeProcess(pid, req, {
      ...(opts.procRoot ? { procRoot: opts.procRoot } : {}),
      ...(opts.activationTimeoutMs ? { activationTimeoutMs: opts.activationTimeoutMs } : {}),
    });
  }
  return capturePerf(pid, info.comm, req, opts.pathEnv);
}
