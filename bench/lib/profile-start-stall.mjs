// How long V8 holds the event loop when an in-process CPU profile starts, in a process of a given
// make-up:
//   node profile-start-stall.mjs [SDK_URL] [RETAINED_OBJECTS] [MODE]
// SDK_URL, when given and not '-', is imported first (the agent SDK from dist/, with its bus,
// database and HTTP libraries); RETAINED_OBJECTS small objects are then kept alive. MODE is
// `inspector` (node:inspector's Profiler.start, lazy code logging: V8 walks the heap to log every
// code object at each start, so the stall grows with the heap) or `eager` (the eager profiler
// addon the SDK and the engine use, from dist/: the walk is paid once, by prepare). Starts and stops
// a 200 ms profile five times and prints one JSON line: {"start_ms": [...], "stop_ms": [...],
// "prepare_ms", "heap_used_mb"}.
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

const [sdkUrl = '-', retainedArg = '0', mode = 'inspector'] = process.argv.slice(2);
if (sdkUrl !== '-') await import(sdkUrl);
const retained = Array.from({ length: Number(retainedArg) }, (_, i) => ({ i, label: `item-${i}` }));

async function inspectorProfiler() {
  const session = new Session();
  session.connect();
  const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  await post('Profiler.enable');
  return {
    prepareMs: 0,
    async start() {
      await post('Profiler.setSamplingInterval', { interval: 1000 });
      const t = performance.now();
      const started = post('Profiler.start');
      const ms = performance.now() - t;
      await started;
      return ms;
    },
    async stop() {
      const t = performance.now();
      const stopped = post('Profiler.stop');
      const ms = performance.now() - t;
      await stopped;
      return ms;
    },
  };
}

async function eagerProfiler() {
  const { eagerCpuProfiler } = await import(new URL('../../dist/profile/capture/eager-cpu-profiler.js', import.meta.url).href);
  if (!eagerCpuProfiler.available()) throw new Error(`eager profiler addon: ${eagerCpuProfiler.unavailableReason()}`);
  const t = performance.now();
  eagerCpuProfiler.prepare();
  const prepareMs = performance.now() - t;
  let id = 0;
  return {
    prepareMs,
    async start() {
      const t0 = performance.now();
      id = eagerCpuProfiler.start(1000);
      return performance.now() - t0;
    },
    async stop() {
      const t0 = performance.now();
      eagerCpuProfiler.stop(id);
      return performance.now() - t0;
    },
  };
}

const profiler = mode === 'eager' ? await eagerProfiler() : await inspectorProfiler();
const startMs = [];
const stopMs = [];
for (let round = 0; round < 5; round++) {
  startMs.push(await profiler.start());
  await new Promise((r) => setTimeout(r, 200));
  stopMs.push(await profiler.stop());
}
const round1 = (x) => Math.round(x * 10) / 10;
console.log(JSON.stringify({ start_ms: startMs.map(round1), stop_ms: stopMs.map(round1), prepare_ms: round1(profiler.prepareMs), heap_used_mb: round1(getHeapStatistics().used_heap_size / 2 ** 20), retained: retained.length }));
