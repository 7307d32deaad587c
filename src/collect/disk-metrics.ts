import { counterDelta, type MetricSink, pct, put, ratePerSec } from './counter.js';
import type { DiskStat } from './proc/parse-diskstats.js';
import { toValidName } from '../model/metric-names.js';
import type { BlockDeviceKind } from './block-device-kind.js';

/** /proc/diskstats counts in 512-byte sectors whatever the device's own sector size. */
const SECTOR_BYTES = 512;

/** A device of the current reading with its kind. */
export interface ClassifiedDisk {
  readonly stat: DiskStat;
  readonly kind: BlockDeviceKind;
}

/**
 * Per-device rates (`disk_*.<dev>`, like iostat -dx) and host aggregates over the `disk` kind only
 * (sums of bytes, max of util), since a stacked device's I/O is also counted on the disks below it.
 * Devices without a previous reading (new, or first tick) report nothing yet.
 */
export function diskMetrics(
  out: MetricSink,
  prev: ReadonlyMap<string, DiskStat>,
  cur: readonly ClassifiedDisk[],
  elapsedMs: number,
): void {
  let readSum: number | undefined;
  let writeSum: number | undefined;
  let utilMax: number | undefined;
  for (const { stat, kind } of cur) {
    const p = prev.get(stat.name);
    if (p === undefined) continue;
    const dev = toValidName(stat.name);
    const readBytes = scaled(ratePerSec(p.sectorsRead, stat.sectorsRead, elapsedMs), SECTOR_BYTES);
    const writeBytes = scaled(ratePerSec(p.sectorsWritten, stat.sectorsWritten, elapsedMs), SECTOR_BYTES);
    const util = pct(counterDelta(p.ioMs, stat.ioMs), elapsedMs);
    put(out, `disk_reads_per_sec.${dev}`, ratePerSec(p.readsCompleted, stat.readsCompleted, elapsedMs));
    put(out, `disk_writes_per_sec.${dev}`, ratePerSec(p.writesCompleted, stat.writesCompleted, elapsedMs));
    put(out, `disk_read_bytes_per_sec.${dev}`, readBytes);
    put(out, `disk_write_bytes_per_sec.${dev}`, writeBytes);
    put(out, `disk_await_ms.${dev}`, awaitMs(p, stat));
    put(out, `disk_util.${dev}`, util);
    if (kind !== 'disk') continue;
    if (readBytes !== undefined) readSum = (readSum ?? 0) + readBytes;
    if (writeBytes !== undefined) writeSum = (writeSum ?? 0) + writeBytes;
    if (util !== undefined) utilMax = Math.max(utilMax ?? 0, util);
  }
  put(out, 'disk_read_bytes_per_sec', readSum);
  put(out, 'disk_write_bytes_per_sec', writeSum);
  put(out, 'disk_util', utilMax);
}

/** Average milliseconds per completed read or write in the interval (iostat's await); 0 without I/O. */
function awaitMs(p: DiskStat, c: DiskStat): number | undefined {
  const ios = sum(counterDelta(p.readsCompleted, c.readsCompleted), counterDelta(p.writesCompleted, c.writesCompleted));
  const ms = sum(counterDelta(p.readMs, c.readMs), counterDelta(p.writeMs, c.writeMs));
  if (ios === undefined || ms === undefined) return undefined;
  return ios === 0 ? 0 : ms / ios;
}

function sum(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : a + b;
}

function scaled(v: number | undefined, factor: number): number | undefined {
  return v === undefined ? undefined : v * factor;
}
