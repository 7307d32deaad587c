import { AgentProfileError, requestAgentProfile } from '../../bus/agent-profile-client.js';
import type { Bus } from '../../bus/bus.js';
import { CaptureError, RAW_FORMAT_OF, type CaptureErrorCode, type CaptureRequest, type CapturedProfile } from './capture-types.js';
import type { AgentCapture } from './capture-targets.js';

/** Capture codes for the SDK client's failure codes (the rest are `agent_error`). */
const CODE_OF: Readonly<Record<string, CaptureErrorCode>> = {
  timeout: 'timeout',
  no_responders: 'not_found',
  busy: 'busy',
  too_large: 'too_large',
};

/** The promise, or a rejection as soon as `signal` aborts (the agent's answer is then ignored). */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new CaptureError('failed', 'abandoned: the engine is stopping'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Profiles SDK agents through the SDK's own client (`requestAgentProfile` over
 * `agent.<agent_id>.profile`), waiting at most the duration plus `slackMs()` for the answer. The
 * client's failures become CaptureErrors with the agent's message.
 */
export function agentCaptureOverBus(bus: () => Bus, slackMs: () => number): AgentCapture {
  return async (agentId: string, req: CaptureRequest & { readonly requestId?: string }): Promise<CapturedProfile> => {
    try {
      const p = await abortable(requestAgentProfile(
        bus(),
        agentId,
        {
          kind: req.kind,
          duration_seconds: req.durationMs / 1000,
          max_bytes: req.maxBytes,
          ...(req.requestId !== undefined ? { request_id: req.requestId } : {}),
          ...(req.samplingIntervalUs !== undefined ? { sampling_interval_us: req.samplingIntervalUs } : {}),
          ...(req.heapIntervalBytes !== undefined ? { heap_sampling_interval_bytes: req.heapIntervalBytes } : {}),
          ...(req.heapIncludeCollected !== undefined ? { heap_include_collected: req.heapIncludeCollected } : {}),
          ...(req.loopResolutionMs !== undefined ? { event_loop_resolution_ms: req.loopResolutionMs } : {}),
          ...(req.blockThresholdMs !== undefined ? { block_threshold_ms: req.blockThresholdMs } : {}),
        },
        { timeoutMs: req.durationMs + slackMs(), maxProfileBytes: req.maxBytes },
      ), req.signal);
      return {
        kind: p.kind,
        format: RAW_FORMAT_OF[p.kind],
        raw: p.bytes,
        startedAt: Date.parse(p.startedAt),
        durationMs: p.durationMs,
        extra: { agent_id: p.agentId, ...(p.heapStatistics ? { heap_statistics: p.heapStatistics } : {}) },
      };
    } catch (err) {
      if (err instanceof AgentProfileError) throw new CaptureError(CODE_OF[err.code] ?? 'agent_error', err.message, { cause: err });
      throw err;
    }
  };
}
