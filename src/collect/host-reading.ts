import { type BlockDeviceKind, classifyBlockDevice, sysBlockName } from './block-device-kind.js';
import type { ClassifiedDisk } from './disk-metrics.js';
import type { ProcReader } from './proc-reader.js';
import { type DiskStat, parseDiskStats } from './proc/parse-diskstats.js';
import { type LoadAvg, parseLoadAvg } from './proc/parse-loadavg.js';
import { type MemInfo, parseMemInfo } from './proc/parse-meminfo.js';
import { type NetDevStat, parseNetDev } from './proc/parse-net-dev.js';
import { type Pressure, parsePressure } from './proc/parse-pressure.js';
import { parseProcStat, type ProcStat } from './proc/parse-stat.js';

/** Everything the host collector reads from /proc in one tick. */
export interface HostReading {
  readonly stat: ProcStat;
  readonly load?: LoadAvg;
  readonly mem?: MemInfo;
  readonly pressure: { readonly cpu?: Pressure; readonly memory?: Pressure; readonly io?: Pressure };
  readonly disks: readonly ClassifiedDisk[];
  readonly nets: readonly NetDevStat[];
}

/**
 * Reads the host's /proc files. Throws only when /proc/stat is unreadable (nothing works then);
 * any other missing file leaves its part empty. `kinds` caches each device's classification by
 * name, since sysfs does not change while a device stays.
 */
export function readHost(
  reader: ProcReader,
  procRoot: string,
  sysRoot: string,
  kinds: Map<string, BlockDeviceKind | null>,
): HostReading {
  const statText = reader.readHeld(`${procRoot}/stat`);
  if (statText === undefined) throw new Error(`cannot read ${procRoot}/stat`);
  const optional = <T>(path: string, parse: (text: string) => T): T | undefined => {
    const text = reader.readHeld(`${procRoot}/${path}`);
    return text === undefined ? undefined : parse(text);
  };
  return {
    stat: parseProcStat(statText),
    load: optional('loadavg', parseLoadAvg),
    mem: optional('meminfo', parseMemInfo),
    pressure: {
      cpu: optional('pressure/cpu', parsePressure),
      memory: optional('pressure/memory', parsePressure),
      io: optional('pressure/io', parsePressure),
    },
    disks: classify(optional('diskstats', parseDiskStats) ?? [], reader, sysRoot, kinds),
    nets: optional('net/dev', parseNetDev) ?? [],
  };
}

function classify(
  stats: readonly DiskStat[],
  reader: ProcReader,
  sysRoot: string,
  kinds: Map<string, BlockDeviceKind | null>,
): ClassifiedDisk[] {
  const out: ClassifiedDisk[] = [];
  const present = new Set<string>();
  for (const stat of stats) {
    present.add(stat.name);
    let kind = kinds.get(stat.name);
    if (kind === undefined) {
      const dir = `${sysRoot}/block/${sysBlockName(stat.name)}`;
      kind = classifyBlockDevice(stat.name, { inSysBlock: reader.exists(dir), hasDevice: reader.exists(`${dir}/device`) }) ?? null;
      kinds.set(stat.name, kind);
    }
    if (kind !== null) out.push({ stat, kind });
  }
  // A device that disappears is classified again if a device of that name comes back.
  for (const name of kinds.keys()) if (!present.has(name)) kinds.delete(name);
  return out;
}
