// Builds the dashboard (src/web) into dist/web: app.js and app.css, minified, no external requests.
import { build } from 'esbuild';
import { statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

const outdir = 'dist/web';
await build({
  entryPoints: { app: 'src/web/main.ts' },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  outdir,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});
for (const f of ['app.js', 'app.css']) {
  const path = `${outdir}/${f}`;
  console.log(`dashboard ${path}: ${statSync(path).size} B, ${gzipSync(readFileSync(path)).length} B gzipped`);
}
