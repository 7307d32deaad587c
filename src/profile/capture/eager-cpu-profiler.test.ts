import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { analyzeProfileBytes } from '../analysis/analyze-profile.js';
import type { CpuProfile } from '../analysis/cpu-profile.js';
import { encodeRaw } from './capture-types.js';
import { devtoolsCpuRecorder } from './devtools-capture.js';
import { openInProcessChannel } from './devtools-channel.js';
import { cpuProfileFromColumns, eagerCpuProfiler, eagerCpuRecorder, type ProfileColumns } from './eager-cpu-profiler.js';

const COLUMNS: ProfileColumns = {
  ids: [1, 2, 3, 4],
  parents: [-1, 0, 1, 0],
  scriptIds: [0, 12, 12, 0],
  lines: [0, 3, 10, 0],
  columns: [0, 1, 5, 0],
  hitCounts: [0, 2, 5, 1],
  names: ['(root)', 'main', 'hot', '(garbage collector)'],
  urls: ['', '/srv/app/a b.js', '/srv/app/a b.js', ''],
  deopts: ['', '', 'Optimization disabled', ''],
  tickNodes: [2, 2],
  tickLines: [11, 12],
  tickCounts: [4, 1],
  samples: [3, 3, 4, 2],
  timestamps: [1_000_100, 1_001_100, 1_002_150, 1_003_100],
  startTime: 1_000_000,
  endTime: 1_003_500,
};

describe('cpuProfileFromColumns', () => {
  it('gives the .cpuprofile Profiler.stop would: 0-based positions, children by id, file URLs, line ticks, time deltas', () => {
    const p = cpuProfileFromColumns(COLUMNS);
    expect(p.nodes).toEqual([
      { id: 1, callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }, hitCount: 0, children: [2, 4] },
      { id: 2, callFrame: { functionName: 'main', scriptId: '12', url: 'file:///srv/app/a%20b.js', lineNumber: 2, columnNumber: 0 }, hitCount: 2, children: [3] },
      {
        id: 3,
        callFrame: { functionName: 'hot', scriptId: '12', url: 'file:///srv/app/a%20b.js', lineNumber: 9, columnNumber: 4 },
        hitCount: 5,
        positionTicks: [{ line: 11, ticks: 4 }, { line: 12, ticks: 1 }],
        deoptReason: 'Optimization disabled',
      },
      { id: 4, callFrame: { functionName: '(garbage collector)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }, hitCount: 1 },
    ]);
    expect(p).toMatchObject({ startTime: 1_000_000, endTime: 1_003_500, samples: [3, 3, 4, 2], timeDeltas: [100, 1000, 1050, 950] });
    expect(pathToFileURL('/srv/app/a b.js').href).toBe('file:///srv/app/a%20b.js');
  });

  it('leaves ES module URLs and node: names as they are', () => {
    const p = cpuProfileFromColumns({ ...COLUMNS, urls: ['', 'file:///srv/app/m.mjs', 'node:internal/timers', ''] });
    expect(p.nodes.map((n) => n.callFrame.url)).toEqual(['', 'file:///srv/app/m.mjs', 'node:internal/timers', '']);
  });
});

/**
 * A fresh hot loop and its caller for each recording, compiled from the same source (named after this file), so that each is
 * optimized while the recording runs. V8 resolves inlined frames only in code optimized while a profiler runs: one loop
 * shared by both recordings, optimized between them, showed up inside its caller in one recording in about eight. The
 * source is a script given this file's name when compiled, as a module's code is: `new Function` code named by a
 * `//# sourceURL` comment once came out of the eager recording with no URL (CI, 2026-12-07).
 */
function freshSpinner(): (busy: () => boolean) => void {
  const source = `(() => {
    function eagerTestHotLoop(ms) {
      const end = performance.now() + ms;
      let x = 0;
      while (performance.now() < end) x += Math.sqrt(x + 1);
      return x;
    }
    return function spin(busy) {
      eagerTestHotLoop(3);
      if (busy()) setImmediate(spin, busy);
    };
  })()`;
  return new Script(source, { filename: import.meta.url }).runInThisContext() as (busy: () => boolean) => void;
}

/** Records `ms` of this process spinning in eagerTestHotLoop through `recorder`. */
async function spinRecorded(recorder: ReturnType<typeof eagerCpuRecorder>, ms: number): Promise<CpuProfile> {
  await recorder.start(500);
  let busy = true;
  freshSpinner()(() => busy);
  await new Promise((r) => setTimeout(r, ms));
  busy = false;
  return recorder.stop();
}

describe('the eager CPU profiler addon (built by npm run build)', () => {
  it('is built and loads', () => {
    expect(eagerCpuProfiler.unavailableReason()).toBe('');
    expect(eagerCpuProfiler.available()).toBe(true);
  });

  it('records this process as node:inspector does: the same busy function, file, line, and a consistent sample stream', async () => {
    const eager = await spinRecorded(eagerCpuRecorder(), 400);
    expect(eagerCpuProfiler.prepared()).toBe(true);
    const channel = openInProcessChannel();
    let inspector: CpuProfile;
    try {
      inspector = await spinRecorded(devtoolsCpuRecorder(channel), 400);
    } finally {
      await channel.close();
    }
    const frameOf = (p: CpuProfile) => p.nodes.find((n) => n.callFrame.functionName === 'eagerTestHotLoop')?.callFrame;
    expect(frameOf(eager)).toBeDefined();
    const { scriptId: _a, ...eagerFrame } = frameOf(eager)!;
    const { scriptId: _b, ...inspectorFrame } = frameOf(inspector)!;
    expect(eagerFrame).toEqual(inspectorFrame);
    expect(eagerFrame.url).toBe(import.meta.url);

    const ids = new Set(eager.nodes.map((n) => n.id));
    expect(eager.samples!.length).toBeGreaterThan(100);
    expect(eager.samples!.every((id) => ids.has(id))).toBe(true);
    const spanned = eager.timeDeltas!.reduce((a, b) => a + b, 0);
    expect(spanned).toBeGreaterThan(0);
    expect(spanned).toBeLessThanOrEqual(eager.endTime - eager.startTime);
    const analyzed = analyzeProfileBytes(encodeRaw(eager, 64 << 20));
    expect(analyzed.kind === 'cpu' && analyzed.analysis.report.hotspots.slice(0, 3).map((h) => h.function)).toContain('eagerTestHotLoop');
  });

  it('refuses a second recording while one runs, abandons one without leaving it running, and starts again', async () => {
    const first = eagerCpuRecorder();
    await first.start(1000);
    await expect(eagerCpuRecorder().start(1000)).rejects.toThrow('a CPU profile is already running; stop it first');
    await first.abandon();
    await first.abandon();
    const again = await spinRecorded(eagerCpuRecorder(), 100);
    expect(again.samples!.length).toBeGreaterThan(0);
  });

  it('survives a thread that ends with a profile running, and a process that exits with one', () => {
    // Disposing V8's profiler under a running profile aborted the process ("pure virtual method called").
    const addon = fileURLToPath(new URL('../../../dist/native/eager_cpu_profiler.node', import.meta.url));
    const script = `
      const { Worker } = require('node:worker_threads');
      const body = 'const p = require(' + JSON.stringify(${JSON.stringify(addon)}) + '); p.init(); p.start(100); let x = 0; for (let i = 0; i < 1e6; i++) x += i;';
      const exited = new Worker(body + ' process.exit(0);', { eval: true });
      exited.on('exit', () => {
        const busy = new Worker(body + ' for (;;) x += Math.sqrt(x);', { eval: true });
        setTimeout(() => busy.terminate().then(() => { const p = require(${JSON.stringify(addon)}); p.init(); p.start(100); process.exit(0); }), 200);
      });`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
  });
});
