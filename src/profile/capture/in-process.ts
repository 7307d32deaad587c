import { CaptureError, type CaptureRequest, type CapturedProfile } from './capture-types.js';
import { captureOverDevtools } from './devtools-capture.js';
import { openInProcessChannel } from './devtools-channel.js';
import { eagerCpuProfiler, eagerCpuRecorder } from './eager-cpu-profiler.js';

let recording = false;

/**
 * Records a CPU, heap or event-loop profile of this very process through an in-process
 * `node:inspector` Session (no debug port is opened). The one implementation for every in-process
 * profile: the engine's `self` target and the SDK agents' profile replies both call it. One
 * recording at a time per process: a second call while one runs fails with `busy`. CPU profiles
 * (and the CPU profile of an event-loop report) go through the eager profiler when its addon is
 * built (`eagerCpuProfiler`: no heap walk at each start), else through the inspector session.
 */
export async function captureInProcess(req: CaptureRequest): Promise<CapturedProfile> {
  if (recording) throw new CaptureError('busy', 'a profile of this process is already being recorded');
  recording = true;
  const channel = openInProcessChannel();
  try {
    // CPU profiles (also inside event-loop reports) through the eager profiler when it can be prepared.
    const eager = req.kind !== 'heap' && eagerCpuProfiler.prepare();
    return await captureOverDevtools(channel, req, eager ? eagerCpuRecorder() : undefined);
  } finally {
    recording = false;
    await channel.close();
  }
}
