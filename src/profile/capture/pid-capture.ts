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

/**
 * Reads the process of `pid` once the allow-list admits it. A pid with no process and a process
 * the list does not name get the same refusal, word for word, so that a reply never tells which
 * pids exist or what they run; the message says how to allow a process.
 */
export function admittedProcess(pid: number, allowed: readonly string[], procRoot?: string): ProcessInfo {
  const how =
    'the inspector gives full control of a process, so only processes named in profiling_allowed_processes may be profiled ' +
    '(regular expressions on the process name or command line, in the config file or PERF_ENGINE_PROFILING_ALLOWED_PROCESSES, ' +
    `e.g. '["^node .*order-agent"]'; it cannot be changed live)`;
  if (allowed.length === 0) throw new CaptureError('not_allowed', `profiling by pid is off (profiling_allowed_processes is empty): ${how}`);
  let info: ProcessInfo | null = null;
  try {
    info = readProcessInfo(pid, procRoot);
  } catch (err) {
    if (!(err instanceof CaptureError && err.code === 'not_found')) throw err;
  }
  if (info === null || !createProcessMatcher(allowed)(info.comm, () => info.argv)) {
    throw new CaptureError('not_allowed', `pid ${pid} is not a running process that profiling_allowed_processes ${JSON.stringify(allowed)} admits: ${how}`);
  }
  return info;
}

/**
 * Records a profile of a local process by pid, once the allow-list admits it: a Node.js process
 * through its inspector on 127.0.0.1, any other process with `perf` (CPU only). The engine's own
 * pid is refused: the `self` target profiles it without opening a port.
 */
export async function capturePid(pid: number, req: CaptureRequest, opts: PidCaptureOptions): Promise<CapturedProfile> {
  if (pid === process.pid) throw new CaptureError('not_allowed', `pid ${pid} is the engine itself: use the target {"self": true}`);
  const info = admittedProcess(pid, opts.allowed, opts.procRoot);
  if (isNodeProcess(info)) {
    return captureNodeProcess(pid, req, {
      ...(opts.procRoot ? { procRoot: opts.procRoot } : {}),
      ...(opts.activationTimeoutMs ? { activationTimeoutMs: opts.activationTimeoutMs } : {}),
    });
  }
  return capturePerf(pid, info.comm, req, opts.pathEnv);
}
