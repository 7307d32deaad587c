/** Counters of one network interface from /proc/net/dev. */
export interface NetDevStat {
  readonly name: string;
  readonly rxBytes: number;
  readonly rxPackets: number;
  readonly rxErrors: number;
  readonly rxDrops: number;
  readonly txBytes: number;
  readonly txPackets: number;
  readonly txErrors: number;
  readonly txDrops: number;
}

/**
 * One interface line: `name:` then 8 receive and 8 transmit counters (bytes, packets, errs, drop,
 * fifo, frame/colls, compressed, multicast/carrier). A native regex pass, as for diskstats.
 */
const LINE =
  /^ *([^\s:]+(?::[^\s:]+)*): *(\d+) +(\d+) +(\d+) +(\d+) +\d+ +\d+ +\d+ +\d+ +(\d+) +(\d+) +(\d+) +(\d+)/gm;

/** Parses /proc/net/dev (two header lines, then one line per interface). */
export function parseNetDev(text: string): NetDevStat[] {
  const out: NetDevStat[] = [];
  LINE.lastIndex = 0;
  for (let m = LINE.exec(text); m !== null; m = LINE.exec(text)) {
    out.push({
      name: m[1]!,
      rxBytes: Number(m[2]),
      rxPackets: Number(m[3]),
      rxErrors: Number(m[4]),
      rxDrops: Number(m[5]),
      txBytes: Number(m[6]),
      txPackets: Number(m[7]),
      txErrors: Number(m[8]),
      txDrops: Number(m[9]),
    });
  }
  return out;
}
