// Builds the eager CPU profiler addon (native/eager-cpu-profiler) with node-gyp into
// dist/native/eager_cpu_profiler.node, skipped when that file is newer than its sources. Without a
// C++ toolchain the build warns and goes on: in-process CPU profiles then start through
// node:inspector, with a stall that grows with the heap (docs/profiling.md).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';

const dir = 'native/eager-cpu-profiler';
const sources = [`${dir}/binding.gyp`, `${dir}/eager_cpu_profiler.cc`];
const out = 'dist/native/eager_cpu_profiler.node';
const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
if (existsSync(out) && statSync(out).mtimeMs >= newest) process.exit(0);

// npm puts its own node-gyp on the PATH of scripts; `npm exec` finds it otherwise.
const gyp = spawnSync('node-gyp', ['rebuild', '--directory', dir], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (gyp.status !== 0) {
  const why = gyp.error ? gyp.error.message : (gyp.stderr || gyp.stdout).trim().split('\n').slice(-3).join(' | ');
  console.warn(`eager CPU profiler addon not built (${why}); in-process CPU profiles will start through node:inspector`);
  process.exit(0);
}
mkdirSync('dist/native', { recursive: true });
copyFileSync(`${dir}/build/Release/eager_cpu_profiler.node`, out);
console.log(`eager CPU profiler addon: ${out}, ${statSync(out).size} B`);
