import { lineStartingWith, numberAfter } from './fields.js';

/** One line of a pressure stall information file. */
export interface PressureLine {
  readonly avg10: number;
  readonly avg60: number;
  readonly avg300: number;
  /** Cumulative stall time in microseconds. */
  readonly totalUs: number;
}

/** A PSI file (/proc/pressure/*, cgroup v2 *.pressure): `some` and, except for system-wide cpu on old kernels, `full`. */
export interface Pressure {
  readonly some?: PressureLine;
  readonly full?: PressureLine;
}

/** Parses a pressure stall information file; a missing or malformed line is left out. */
export function parsePressure(text: string): Pressure {
  return { some: parseLine(lineStartingWith(text, 'some ')), full: parseLine(lineStartingWith(text, 'full ')) };
}

function parseLine(line: string | undefined): PressureLine | undefined {
  if (line === undefined) return undefined;
  const totalUs = numberAfter(line, 'total=');
  if (!Number.isFinite(totalUs)) return undefined;
  return {
    avg10: numberAfter(line, 'avg10='),
    avg60: numberAfter(line, 'avg60='),
    avg300: numberAfter(line, 'avg300='),
    totalUs,
  };
}
