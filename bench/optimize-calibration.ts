import { figure, type Benchmark, type BenchContext, type Figure } from './figure.js';
import { changeStream, type ChangeScenario, type ChangeStream } from './lib/optimize-streams.js';
import { OPTIMIZATION_DEFAULTS } from '../src/config/optimization-schema.js';
import { judgeLook, judgeSettings, lookTimes, lookWindows, splitWindows, type JudgeSettings } from '../src/optimize/impact-judge.js';

interface Args {
  runs: number;
  intervalS: number;
  /** Overrides of the judge's defaults. */
  confidence: number;
  looks: number;
  minSamples: number;
}

function parseArgs(args: readonly string[]): Args {
  const a: Args = { runs: 200, intervalS: 10, confidence: OPTIMIZATION_DEFAULTS.optimization_confidence, looks: OPTIMIZATION_DEFAULTS.optimization_looks, minSamples: OPTIMIZATION_DEFAULTS.optimization_min_samples };
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i]!, args[i + 1]!];
    if (flag === '--runs') a.runs = Number(value);
    else if (flag === '--interval') a.intervalS = Number(value);
    else if (flag === '--confidence') a.confidence = Number(value);
    else if (flag === '--looks') a.looks = Number(value);
    else if (flag === '--min-samples') a.minSamples = Number(value);
    else throw new Error(`optimize-calibration: unknown argument ${flag} (--runs N, --interval SECONDS, --confidence C, --looks K, --min-samples N)`);
  }
  return a;
}

const flat = { seasonality: 0, trafficRise: [0, 0] as const, publishLoad: true };
const daily = { seasonality: 0.4, trafficRise: [0, 0] as const, publishLoad: true };

/** The replayed changes: four without effect, six with one (both directions), one with an effect amid a traffic rise. */
const SCENARIOS: readonly ChangeScenario[] = [
  { name: 'no effect, flat load', shift: 0, ...flat },
  { name: 'no effect, daily cycle', shift: 0, ...daily },
  { name: 'no effect, traffic +20-60% at the change', shift: 0, seasonality: 0.4, trafficRise: [0.2, 0.6], publishLoad: true },
  { name: 'no effect, daily cycle, no load figure', shift: 0, ...daily, publishLoad: false },
  ...[-0.5, -0.25, -0.1, 0.1, 0.25, 0.5].map((shift) => ({ name: `${shift > 0 ? '+' : ''}${Math.round(shift * 100)}% latency, daily cycle`, shift, ...daily })),
  { name: '-25% latency, traffic +20-60% at the change', shift: -0.25, seasonality: 0.4, trafficRise: [0.2, 0.6] as const, publishLoad: true },
];

type Outcome = 'verified' | 'regressed' | 'ineffective' | 'failed' | 'waiting';

/** What a judge said of one stream, and when (minutes of event time after the change). */
interface Judged {
  readonly outcome: Outcome;
  readonly minutes: number;
}

/** The engine's judge, look after look as the optimization stage runs it. */
function engineJudge(s: ChangeStream, settings: JudgeSettings): Judged {
  const looks = lookTimes(s.appliedAt, settings);
  for (let i = 0; i < looks.length; i++) {
    const w = lookWindows(s.appliedAt, looks[i]!, settings);
    const load = s.load ? splitWindows(s.load, w) : null;
    const v = judgeLook({ metrics: [{ metric: 'handler_latency_p95_ms', source: null, direction: 'decrease', values: splitWindows(s.latency, w), load }], look: i + 1 }, settings);
    if (v.outcome !== 'waiting') return { outcome: v.outcome, minutes: (looks[i]! - s.appliedAt) / 60_000 };
  }
  return { outcome: 'waiting', minutes: Number.NaN };
}

/** Coroot's rule on the same windows: the mean after against the mean before, a fixed 5 % either way. */
function thresholdJudge(s: ChangeStream, settings: JudgeSettings): Judged {
  const end = lookTimes(s.appliedAt, settings).at(-1)!;
  const w = splitWindows(s.latency, lookWindows(s.appliedAt, end, settings));
  const mean = (xs: readonly { value: number }[]) => xs.reduce((a, x) => a + x.value, 0) / xs.length;
  const change = mean(w.after) / mean(w.before) - 1;
  const outcome: Outcome = change <= -0.05 ? 'verified' : change >= 0.05 ? 'regressed' : 'ineffective';
  return { outcome, minutes: (end - s.appliedAt) / 60_000 };
}

interface Tally {
  readonly counts: Record<Outcome, number>;
  readonly minutes: number[];
  n: number;
}

const tally = (): Tally => ({ counts: { verified: 0, regressed: 0, ineffective: 0, failed: 0, waiting: 0 }, minutes: [], n: 0 });

function add(t: Tally, j: Judged): void {
  t.counts[j.outcome]++;
  t.n++;
  if (j.outcome === 'verified' || j.outcome === 'regressed') t.minutes.push(j.minutes);
}

const pct = (x: number, n: number) => (n > 0 ? (100 * x) / n : 0);
const medianOf = (xs: number[]) => (xs.length === 0 ? Number.NaN : [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!);
/** Verdicts a stream deserves: none without effect, `verified` for a lower latency, `regressed` for a higher one. */
const rightOutcome = (shift: number): Outcome | null => (shift === 0 ? null : shift < 0 ? 'verified' : 'regressed');
const falseVerdicts = (t: Tally) => t.counts.verified + t.counts.regressed;
const right = (t: Tally, shift: number) => t.counts[rightOutcome(shift)!];

function line(ctx: BenchContext, sc: ChangeScenario, e: Tally, c: Tally): void {
  const show = (t: Tally) => `ver ${t.counts.verified} reg ${t.counts.regressed} ineff ${t.counts.ineffective} fail ${t.counts.failed}, median ${medianOf(t.minutes).toFixed(1)} min`;
  ctx.log(`${sc.name.padEnd(46)} engine: ${show(e)} | 5% rule: ${show(c)}`);
}

/** Runs every scenario `runs` times through both judges. */
function runAll(ctx: BenchContext, a: Args, settings: JudgeSettings): Map<ChangeScenario, { engine: Tally; rule: Tally }> {
  const span = { intervalMs: a.intervalS * 1000, beforeMs: settings.beforeMs, afterMs: settings.settleMs + settings.afterMs };
  const out = new Map<ChangeScenario, { engine: Tally; rule: Tally }>();
  SCENARIOS.forEach((sc, k) => {
    const r = { engine: tally(), rule: tally() };
    for (let i = 0; i < a.runs; i++) {
      const stream = changeStream(1000 * k + i + 1, sc, span);
      add(r.engine, engineJudge(stream, settings));
      add(r.rule, thresholdJudge(stream, settings));
    }
    line(ctx, sc, r.engine, r.rule);
    out.set(sc, r);
  });
  return out;
}

function pooled(results: Map<ChangeScenario, { engine: Tally; rule: Tally }>, pick: (sc: ChangeScenario) => boolean, score: (t: Tally, sc: ChangeScenario) => number) {
  let n = 0;
  let engine = 0;
  let rule = 0;
  let minutes: number[] = [];
  for (const [sc, r] of results) {
    if (!pick(sc)) continue;
    n += r.engine.n;
    engine += score(r.engine, sc);
    rule += score(r.rule, sc);
    minutes = minutes.concat(r.engine.minutes);
  }
  return { n, engine: pct(engine, n), rule: pct(rule, n), minutes: medianOf(minutes) };
}

async function run(ctx: BenchContext): Promise<Figure[]> {
  const a = parseArgs(ctx.args);
  const settings = judgeSettings({ ...OPTIMIZATION_DEFAULTS, optimization_confidence: a.confidence, optimization_looks: a.looks, optimization_min_samples: a.minSamples });
  ctx.log(`${a.runs} streams per scenario, one sample every ${a.intervalS} s; windows ${settings.beforeMs / 60_000} min before, ${settings.settleMs / 1000} s settling, ${settings.afterMs / 60_000} min after in ${settings.looks} looks; minimum effect ${settings.minEffect * 100}%, confidence ${settings.confidence}, at least ${settings.minSamples} samples a side`);
  const results = runAll(ctx, a, settings);
  const noEffect = pooled(results, (sc) => sc.shift === 0, falseVerdicts);
  const power = (size: number) => pooled(results, (sc) => Math.abs(sc.shift) === size && sc.trafficRise[1] === 0, (t, sc) => right(t, sc.shift));
  const p25 = power(0.25);
  const p10 = power(0.1);
  const p50 = power(0.5);
  const effects = pooled(results, (sc) => sc.shift !== 0, (t) => t.n);
  const bench = 'optimize-calibration';
  const vs = (name: string, value: number, unit: string) => ({ name, value, unit });
  return [
    figure({ bench, name: 'false verdicts on changes without effect', value: noEffect.engine, unit: '%', reference: vs('fixed 5% threshold (Coroot rule)', noEffect.rule, '%'), target: '<= 2 %', met: noEffect.engine <= 2, notes: `${noEffect.n} streams: flat, daily cycle, traffic rise at the change, no load figure` }),
    figure({ bench, name: 'power at a 25% change (right verdict)', value: p25.engine, unit: '%', reference: vs('fixed 5% threshold', p25.rule, '%'), target: '>= 90 %', met: p25.engine >= 90, notes: `${p25.n} streams, both directions` }),
    figure({ bench, name: 'power at a 10% change (right verdict)', value: p10.engine, unit: '%', reference: vs('fixed 5% threshold', p10.rule, '%'), notes: 'a change of exactly the minimum effect: a verdict needs the estimate beyond 10 % and significant, so fewer than half get one' }),
    figure({ bench, name: 'power at a 50% change (right verdict)', value: p50.engine, unit: '%', reference: vs('fixed 5% threshold', p50.rule, '%') }),
    figure({ bench, name: 'median time to a verdict after the change', value: effects.minutes, unit: 'min', reference: vs('fixed 5% threshold (whole window)', (settings.settleMs + settings.afterMs) / 60_000, 'min') }),
  ];
}

const benchmark: Benchmark = {
  name: 'optimize-calibration',
  description: 'the impact judge on replayed changes with and without effect, beside a fixed 5% threshold (Coroot rule)',
  run,
};
export default benchmark;
