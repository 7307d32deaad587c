// The CPU-heavy third-party workloads of the profile benchmarks, parsing in a loop and yielding to
// the event loop between parses:
//   yaml        the `yaml` package parsing a 1 MB document (ten copies of this project's lockfile)
//   yaml-small  the same parser on a 10 kB document (milliseconds a parse, so loop stalls show finely)
//   acorn       acorn parsing TypeScript's 9 MB compiler (about a second a parse)
//   node parse-workload.mjs MODE WARMUP_MS RUN_MS
// Prints one JSON line when the steady phase starts ({"steady_us"}, on the clock of V8 CPU
// profiles), one every 100 ms during it ({"t_us", "parses", "max_gap_ms"}: parses so far and the
// longest turn of the event loop in the last 100 ms), and {"done", "parses"} at the end.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parse as parseJs } from 'acorn';
import YAML from 'yaml';

const [mode = 'yaml', warmupArg = '2000', runArg = '10000'] = process.argv.slice(2);
const warmupMs = Number(warmupArg);
const runMs = Number(runArg);
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

function workload() {
  if (mode === 'acorn') {
    const source = readFileSync(createRequire(import.meta.url).resolve('typescript/lib/typescript.js'), 'utf8');
    return () => parseJs(source, { ecmaVersion: 'latest', sourceType: 'script', locations: true });
  }
  const lock = readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8');
  let doc;
  // Separate copies: one object repeated would be written once and referenced by YAML aliases.
  if (mode === 'yaml') doc = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`copy${i}`, JSON.parse(lock)]));
  else if (mode === 'yaml-small') doc = Object.fromEntries(Object.entries(JSON.parse(lock).packages).slice(0, 25));
  else throw new Error(`unknown mode ${mode}: yaml, yaml-small or acorn`);
  const text = YAML.stringify(doc);
  return () => YAML.parse(text);
}

const parseOnce = workload();
let parses = 0;
let lastTurn = nowUs();
let maxGapUs = 0;
let steady = false;
const start = Date.now();

function report() {
  const timer = setInterval(() => {
    process.stdout.write(`${JSON.stringify({ t_us: nowUs(), parses, max_gap_ms: maxGapUs / 1000 })}\n`);
    maxGapUs = 0;
  }, 100);
  timer.unref();
}

function step() {
  parseOnce();
  parses++;
  const t = nowUs();
  maxGapUs = Math.max(maxGapUs, t - lastTurn);
  lastTurn = t;
  const elapsed = Date.now() - start;
  if (!steady && elapsed >= warmupMs) {
    steady = true;
    parses = 0;
    maxGapUs = 0;
    process.stdout.write(`${JSON.stringify({ steady_us: t })}\n`);
    report();
  }
  if (elapsed >= warmupMs + runMs) {
    process.stdout.write(`${JSON.stringify({ done: true, parses })}\n`);
    process.exit(0);
  }
  setImmediate(step);
}

step();
