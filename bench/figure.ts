/** One measured figure, printed beside its reference measured in the same run. */
export interface Figure {
  /** Benchmark that produced it (`ingest`, `collect`, `nab`, ...). */
  readonly bench: string;
  /** What was measured, e.g. `samples per second, NATS -> PostgreSQL, durable`. */
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The reference measured in the same run, when there is one. */
  readonly reference?: { readonly name: string; readonly value: number; readonly unit: string };
  /** value / reference.value, when a reference exists. */
  readonly ratio?: number;
  /** The target in words, e.g. `>= 1,000,000 samples/s`. */
  readonly target?: string;
  /** Whether the target is met, when there is one. */
  readonly met?: boolean;
  /** Anything else worth printing (sizes, settings). */
  readonly notes?: string;
}

/** What a benchmark module exports as default. */
export interface Benchmark {
  readonly name: string;
  readonly description: string;
  run(ctx: BenchContext): Promise<Figure[]>;
}

/** Passed to every benchmark. */
export interface BenchContext {
  /** Progress lines go here (stderr), never to stdout. */
  log(line: string): void;
  /** Scratch folder for this run, removed afterwards. */
  readonly tmpDir: string;
  /** Extra arguments after the benchmark names, e.g. `--samples 200000`. */
  readonly args: readonly string[];
}

/** Builds a figure and fills in ratio from value and reference. */
export function figure(f: Omit<Figure, 'ratio'>): Figure {
  const ratio = f.reference && f.reference.value !== 0 ? f.value / f.reference.value : undefined;
  return ratio === undefined ? f : { ...f, ratio };
}
