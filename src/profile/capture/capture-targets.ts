import type { ProfileTarget } from '../../model/profile.js';
import { toValidName } from '../../model/metric-names.js';
import type { ProfileKind } from '../../model/profile.js';
import { CaptureError, type CaptureRequest, type CapturedProfile } from './capture-types.js';
import { captureInProcess } from './in-process.js';
import { isNodeProcess, readProcessInfo } from './node-process.js';
import { perfFor } from './perf-capture.js';
import { admittedProcess, capturePid } from './pid-capture.js';

/** Records a profile of an SDK agent over the bus (the agent SDK's client behind a function). */
export type AgentCapture = (agentId: string, req: CaptureRequest & { readonly requestId?: string }) => Promise<CapturedProfile>;

/** How the engine reaches its targets. */
export interface CaptureTargetOptions {
  /** The engine's own agent id: its profiles' source, and an `agent_id` target naming it means `self`. */
  readonly engineAgentId: string;
  /** `profiling_allowed_processes` in force. */
  readonly allowedProcesses: () => readonly string[];
  readonly agentCapture: AgentCapture;
  /** PATH where `perf` is looked up (default the engine's). */
  readonly pathEnv?: string;
  readonly procRoot?: string;
}

/** The targets' profile operations, as `ProfileService` uses them (see `ProfileTargets`). */
export interface CaptureTargets {
  check(target: ProfileTarget, kind: ProfileKind): void;
  capture(target: ProfileTarget, req: CaptureRequest & { readonly requestId?: string }): Promise<CapturedProfile>;
  sourceOf(target: ProfileTarget): string | null;
}

/**
 * Builds the engine's capture targets: `self` in-process, `agent_id` through the SDK client, and
 * `pid` through the inspector (Node.js) or `perf` (anything else), pids only when the allow-list
 * admits them. `check` refuses up front what cannot work, so a request gets a coded refusal rather
 * than an accepted profile that fails.
 */
export function createCaptureTargets(o: CaptureTargetOptions): CaptureTargets {
  type Resolved = { readonly self: true } | { readonly agentId: string } | { readonly pid: number };
  const resolve = (t: ProfileTarget): Resolved => {
    if ('pid' in t) return { pid: t.pid };
    if ('agent_id' in t && t.agent_id !== o.engineAgentId) return { agentId: t.agent_id };
    return { self: true };
  };
  return {
    check(target, kind) {
      const r = resolve(target);
      if (!('pid' in r)) return;
      if (r.pid === process.pid) throw new CaptureError('not_allowed', `pid ${r.pid} is the engine itself: use the target {"self": true}`);
      const info = admittedProcess(r.pid, o.allowedProcesses(), o.procRoot);
      if (!isNodeProcess(info)) perfFor(r.pid, info.comm, kind, o.pathEnv);
    },
    capture(target, req) {
      const r = resolve(target);
      if ('agentId' in r) return o.agentCapture(r.agentId, req);
      if ('pid' in r) {
        return capturePid(r.pid, req, {
          allowed: o.allowedProcesses(),
          ...(o.pathEnv !== undefined ? { pathEnv: o.pathEnv } : {}),
          ...(o.procRoot !== undefined ? { procRoot: o.procRoot } : {}),
        });
      }
      return captureInProcess(req);
    },
    sourceOf(target) {
      const r = resolve(target);
      if ('agentId' in r) return r.agentId;
      if (!('pid' in r)) return o.engineAgentId;
      try {
        return toValidName(`${readProcessInfo(r.pid, o.procRoot).comm}-${r.pid}`);
      } catch {
        return `pid-${r.pid}`;
      }
    },
  };
}
