import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeCpuProfile } from '../src/profile/analysis/cpu-analysis.js';
import { readCpuProfile } from '../src/profile/analysis/cpu-profile-reader.js';
import { flameFromCallTree } from '../src/profile/render/flame-model.js';
import { renderFlameSvg } from '../src/profile/render/flame-svg.js';

/**
 * One measured run in its own process, so peak RSS is this run's alone:
 * `worker.ts engine|json-parse FILE OUTDIR` prints one JSON line with CPU time (of the work only,
 * module loading excluded), wall time, peak RSS of the whole process and per-phase times.
 */
const [mode, file, outDir] = process.argv.slice(2);
if (!file || !outDir || (mode !== 'engine' && mode !== 'json-parse')) {
  process.stderr.write('usage: profile-analysis-worker.ts engine|json-parse FILE OUTDIR\n');
  process.exit(2);
}

const idleRssMb = process.memoryUsage().rss / 1e6;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const phases: Record<string, number> = {};
const phase = <T>(name: string, fn: () => T): T => {
  const start = performance.now();
  const value = fn();
  phases[name] = Math.round(performance.now() - start);
  return value;
};

let detail: Record<string, unknown>;
if (mode === 'json-parse') {
  const text = phase('read', () => readFileSync(file, 'utf8'));
  const value = phase('parse', () => JSON.parse(text) as { nodes: unknown[]; samples: unknown[] });
  detail = { nodes: value.nodes.length, samples: value.samples.length };
} else {
  const profile = phase('read+parse', () => readCpuProfile(readFileSync(file)));
  const analysis = phase('hotspots', () => analyzeCpuProfile(profile, { top: 20 }));
  const svg = phase('flame-svg', () => renderFlameSvg(flameFromCallTree(analysis.callTree, { title: 'synthetic' })));
  writeFileSync(join(outDir, 'flame.svg'), svg);
  detail = {
    nodes: profile.parent.length,
    samples: profile.samples.length,
    hotspots: analysis.report.hotspots.length,
    top: analysis.report.hotspots[0]?.function,
    svgBytes: svg.length,
  };
}
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({
    mode,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    wallMs: Math.round(performance.now() - t0),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    idleRssMb: Math.round(idleRssMb),
    phases,
    ...detail,
  })}\n`,
);
