/** Kinds of block device the host collector reports. */
export const BLOCK_DEVICE_KINDS = ['disk', 'stacked'] as const;
export type BlockDeviceKind = (typeof BLOCK_DEVICE_KINDS)[number];

/** What sysfs says about a /proc/diskstats entry. */
export interface BlockDeviceFacts {
  /** /sys/block/<name> exists: a whole device, not a partition. */
  readonly inSysBlock: boolean;
  /** /sys/block/<name>/device exists: backed by a hardware (or paravirtual) device. */
  readonly hasDevice: boolean;
}

/**
 * The device filtering rule: a whole device with a backing device is a `disk` (sd*, vd*, xvd*,
 * nvme*n*, mmcblk*...); a device-mapper or md RAID volume is `stacked` (reported, but left out of
 * the host aggregates because its I/O also shows on the disks below it); everything else
 * (partitions, loop, ram, zram, nbd and other virtual devices) is skipped (undefined).
 */
export function classifyBlockDevice(name: string, facts: BlockDeviceFacts): BlockDeviceKind | undefined {
  if (!facts.inSysBlock) return undefined;
  if (facts.hasDevice) return 'disk';
  if (/^(dm-\d+|md\d+)$/.test(name)) return 'stacked';
  return undefined;
}

/** The /sys/block directory name of a /proc/diskstats device name ('/' becomes '!', as in cciss!c0d0). */
export function sysBlockName(name: string): string {
  return name.replaceAll('/', '!');
}
