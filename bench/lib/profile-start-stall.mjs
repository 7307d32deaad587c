// How long V8 holds the event loop when an in-process CPU profile starts (node:inspector
// Profiler.start, as captureInProcess does), in a process of a given make-up:
//   node profile-start-stall.mjs [SDK_URL] [RETAINED_OBJECTS]
// SDK_URL, when given and not '-', is imported first (the agent SDK from dist/, with its bus,
// database and HTTP libraries); RETAINED_OBJECTS small objects are then kept alive. Starts and
// stops a 200 ms profile five times and prints one JSON line: {"start_ms": [...], "stop_ms": [...],
// "heap_used_mb"}. The start stall is V8 walking the heap to log every code object for the new
// profiler (lazy logging, the only mode the inspector uses), so it grows with the heap.
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

const [sdkUrl = '-', retainedArg = '0'] = process.argv.slice(2);
if (sdkUrl !== '-') await import(sdkUrl);
const retained = Array.from({ length: Number(retainedArg) }, (_, i) => ({ i, label: `item-${i}` }));

const session = new Session();
session.connect();
const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
await post('Profiler.enable');
const startMs = [];
const stopMs = [];
for (let round = 0; round < 5; round++) {
  await post('Profiler.setSamplingInterval', { interval: 1000 });
  let t = performance.now();
  const started = post('Profiler.start');
  startMs.push(performance.now() - t);
  await started;
  await new Promise((r) => setTimeout(r, 200));
  t = performance.now();
  const stopped = post('Profiler.stop');
  stopMs.push(performance.now() - t);
  await stopped;
}
const round1 = (x) => Math.round(x * 10) / 10;
console.log(JSON.stringify({ start_ms: startMs.map(round1), stop_ms: stopMs.map(round1), heap_used_mb: round1(getHeapStatistics().used_heap_size / 2 ** 20), retained: retained.length }));
