// Builds the native addons with node-gyp into dist/native/<name>.node, each skipped when that file
// is newer than its sources (its own and native/common/addon.h, which both include):
// - native/eager-cpu-profiler: without it, in-process CPU profiles start through node:inspector,
//   with a stall that grows with the heap (docs/profiling.md);
// - native/gc-pause-clock: without it, the agent SDK estimates GC pauses with node:v8's GCProfiler,
//   a quarter of the time (docs/sdk.md).
// Without a C++ toolchain the build warns and goes on: both have those fallbacks.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';

const ADDONS = [
  { dir: 'native/eager-cpu-profiler', name: 'eager_cpu_profiler', label: 'eager CPU profiler addon', fallback: 'in-process CPU profiles will start through node:inspector' },
  { dir: 'native/gc-pause-clock', name: 'gc_pause_clock', label: 'GC pause clock addon', fallback: 'agents will estimate GC pauses with v8.GCProfiler' },
];

for (const { dir, name, label, fallback } of ADDONS) {
  const sources = [`${dir}/binding.gyp`, `${dir}/${name}.cc`, 'native/common/addon.h'];
  const out = `dist/native/${name}.node`;
  const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
  if (existsSync(out) && statSync(out).mtimeMs >= newest) continue;
  // npm puts its own node-gyp on the PATH of scripts; `npm exec` finds it otherwise.
  const gyp = spawnSync('node-gyp', ['rebuild', '--directory', dir], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (gyp.status !== 0) {
    const why = gyp.error ? gyp.error.message : (gyp.stderr || gyp.stdout).trim().split('\n').slice(-3).join(' | ');
    console.warn(`${label} not built (${why}); ${fallback}`);
    continue;
  }
  mkdirSync('dist/native', { recursive: true });
  copyFileSync(`${dir}/build/Release/${name}.node`, out);
  console.log(`${label}: ${out}, ${statSync(out).size} B`);
}
