import type { CpuProfile } from '../analysis/cpu-profile.js';
import {
  CaptureError,
  DEFAULT_BLOCK_THRESHOLD_MS,
  DEFAULT_CPU_INTERVAL_US,
  DEFAULT_HEAP_INTERVAL_BYTES,
  DEFAULT_LOOP_RESOLUTION_MS,
  encodeRaw,
  RAW_FORMAT_OF,
  sleep,
  type CaptureRequest,
  type CapturedProfile,
  type CpuRecorder,
} from './capture-types.js';
import type { DevtoolsChannel } from './devtools-channel.js';
import { buildEventLoopReport } from './event-loop-blocks.js';
import { collectLoopMonitorSource, installLoopMonitorSource, type LoopMonitorResult } from './loop-monitor-source.js';

/** Bytes a CPU profile needs per sample at least (its id and time delta in the JSON). */
const MIN_BYTES_PER_SAMPLE = 6;

const HEAP_STATS_SOURCE = `(() => {
  const v8 = typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('v8') : require('v8');
  return { ...v8.getHeapStatistics() };
})()`;

/** Evaluates an expression in the target (with `require` available) and returns its value by value; an exception there is a CaptureError. */
export async function evaluate(channel: DevtoolsChannel, expression: string): Promise<unknown> {
  const r = (await channel.send('Runtime.evaluate', {
    expression,
    includeCommandLineAPI: true,
    returnByValue: true,
    silent: true,
  })) as { result?: { value?: unknown }; exceptionDetails?: { text?: string; exception?: { description?: string } } };
  if (r.exceptionDetails) {
    const why = r.exceptionDetails.exception?.description?.split('\n')[0] ?? r.exceptionDetails.text ?? 'exception';
    throw new CaptureError('failed', `evaluation in the target failed: ${why}`);
  }
  return r.result?.value;
}

function checkSize(req: CaptureRequest, intervalUs: number): void {
  const samples = (req.durationMs * 1000) / intervalUs;
  if (samples * MIN_BYTES_PER_SAMPLE > req.maxBytes) {
    throw new CaptureError(
      'too_large',
      `${Math.round(samples)} samples (${req.durationMs} ms at ${intervalUs} µs) cannot fit the cap of ${req.maxBytes} bytes; shorten the duration or raise the sampling interval`,
    );
  }
}

/** V8's CPU profiler driven over a DevTools channel (`Profiler.*`); disabled again at the end. */
export function devtoolsCpuRecorder(channel: DevtoolsChannel): CpuRecorder {
  return {
    async start(intervalUs) {
      await channel.send('Profiler.enable');
      await channel.send('Profiler.setSamplingInterval', { interval: intervalUs });
      await channel.send('Profiler.start');
    },
    async stop() {
      try {
        return ((await channel.send('Profiler.stop')) as { profile: CpuProfile }).profile;
      } finally {
        await channel.send('Profiler.disable').catch(() => undefined);
      }
    },
    async abandon() {
      await channel.send('Profiler.stop').catch(() => undefined);
      await channel.send('Profiler.disable').catch(() => undefined);
    },
  };
}

/** Runs the CPU profiler over the recording; stops it even when the recording fails. */
async function recordCpu(recorder: CpuRecorder, req: CaptureRequest, intervalUs: number, during?: () => Promise<void>): Promise<CpuProfile> {
  let stopped = false;
  try {
    await recorder.start(intervalUs);
    await (during ? during() : sleep(req.durationMs, req.signal));
    const profile = await recorder.stop();
    stopped = true;
    return profile;
  } finally {
    if (!stopped) await recorder.abandon();
  }
}

async function captureCpu(recorder: CpuRecorder, req: CaptureRequest): Promise<CapturedProfile> {
  const intervalUs = req.samplingIntervalUs ?? DEFAULT_CPU_INTERVAL_US;
  checkSize(req, intervalUs);
  const startedAt = Date.now();
  const profile = await recordCpu(recorder, req, intervalUs);
  const durationMs = (profile.endTime - profile.startTime) / 1000;
  return { kind: 'cpu', format: RAW_FORMAT_OF.cpu, raw: encodeRaw(profile, req.maxBytes), startedAt, durationMs, extra: { sampling_interval_us: intervalUs, sample_count: profile.samples?.length ?? 0 } };
}

async function captureHeap(channel: DevtoolsChannel, req: CaptureRequest): Promise<CapturedProfile> {
  const intervalBytes = req.heapIntervalBytes ?? DEFAULT_HEAP_INTERVAL_BYTES;
  await channel.send('HeapProfiler.enable');
  try {
    const start = await evaluate(channel, HEAP_STATS_SOURCE);
    const startedAt = Date.now();
    const t0 = performance.now();
    await channel.send('HeapProfiler.startSampling', {
      samplingInterval: intervalBytes,
      ...(req.heapIncludeCollected ? { includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } : {}),
    });
    let profile: unknown;
    try {
      await sleep(req.durationMs, req.signal);
      profile = ((await channel.send('HeapProfiler.stopSampling')) as { profile: unknown }).profile;
    } finally {
      if (profile === undefined) await channel.send('HeapProfiler.stopSampling').catch(() => undefined);
    }
    const durationMs = performance.now() - t0;
    const end = await evaluate(channel, HEAP_STATS_SOURCE);
    return {
      kind: 'heap',
      format: RAW_FORMAT_OF.heap,
      raw: encodeRaw(profile, req.maxBytes),
      startedAt,
      durationMs,
      extra: {
        sampling_interval_bytes: intervalBytes,
        heap_statistics: { start, end },
        sample_count: (profile as { samples?: unknown[] }).samples?.length ?? 0,
      },
    };
  } finally {
    await channel.send('HeapProfiler.disable').catch(() => undefined);
  }
}

async function captureEventLoop(channel: DevtoolsChannel, recorder: CpuRecorder, req: CaptureRequest): Promise<CapturedProfile> {
  const intervalUs = req.samplingIntervalUs ?? DEFAULT_CPU_INTERVAL_US;
  checkSize(req, intervalUs);
  const startedAt = Date.now();
  const resolutionMs = req.loopResolutionMs ?? DEFAULT_LOOP_RESOLUTION_MS;
  const blockThresholdMs = req.blockThresholdMs ?? DEFAULT_BLOCK_THRESHOLD_MS;
  const got: { monitor?: LoopMonitorResult | null } = {};
  await evaluate(channel, installLoopMonitorSource(resolutionMs, blockThresholdMs));
  let profile: CpuProfile;
  try {
    profile = await recordCpu(recorder, req, intervalUs, async () => {
      await sleep(req.durationMs, req.signal);
      got.monitor = (await evaluate(channel, collectLoopMonitorSource())) as LoopMonitorResult | null;
    });
  } finally {
    // The monitor must not outlive the capture, even when the recording failed half-way.
    if (got.monitor === undefined) await evaluate(channel, collectLoopMonitorSource()).catch(() => undefined);
  }
  if (!got.monitor) throw new CaptureError('failed', 'the event-loop monitor was gone from the target when the recording ended');
  const report = buildEventLoopReport(got.monitor, profile);
  return {
    kind: 'event_loop',
    format: RAW_FORMAT_OF.event_loop,
    raw: encodeRaw(report, req.maxBytes),
    startedAt,
    durationMs: report.duration_ms,
    extra: { sampling_interval_us: intervalUs, block_threshold_ms: blockThresholdMs, sample_count: report.delay.count },
  };
}

/**
 * Records one profile over a DevTools channel: a V8 CPU profile, a sampling heap profile with V8
 * heap statistics at start and end (`extra.heap_statistics`), or an event-loop report (delay histogram, and the longest
 * blocks named by a CPU profile taken alongside). Profilers are always stopped, even on failure.
 * CPU profiles go through `cpu`, by default V8's profiler over the same channel.
 */
export function captureOverDevtools(channel: DevtoolsChannel, req: CaptureRequest, cpu: CpuRecorder = devtoolsCpuRecorder(channel)): Promise<CapturedProfile> {
  switch (req.kind) {
    case 'cpu':
      return captureCpu(cpu, req);
    case 'heap':
      return captureHeap(channel, req);
    case 'event_loop':
      return captureEventLoop(channel, cpu, req);
  }
}
