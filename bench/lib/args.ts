/** The benchmarks' own arguments (what follows `--` on the command line), read by name. */

/** The word after `name`, or undefined when `name` is absent. */
export function argString(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The number after `name`, or `fallback` when `name` is absent or last (not checked: NaN gets through). */
export function argNumber(args: readonly string[], name: string, fallback: number): number {
  const word = argString(args, name);
  return word !== undefined ? Number(word) : fallback;
}

/** The positive number after `name`; `fallback` when it is absent, not a number, or not above 0. */
export function argPositiveOr(args: readonly string[], name: string, fallback: number): number {
  const v = argNumber(args, name, fallback);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** The positive number after `name`, `fallback` when absent; throws when it is given and not a positive number. */
export function argPositive(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}
