import { describe, expect, it } from 'vitest';
import { classifyBlockDevice, sysBlockName } from './block-device-kind.js';

describe('classifyBlockDevice', () => {
  it('reports whole devices with a backing device as disks', () => {
    for (const name of ['vda', 'sda', 'nvme0n1', 'xvda', 'mmcblk0']) {
      expect(classifyBlockDevice(name, { inSysBlock: true, hasDevice: true })).toBe('disk');
    }
  });

  it('reports device-mapper and md volumes as stacked', () => {
    expect(classifyBlockDevice('dm-0', { inSysBlock: true, hasDevice: false })).toBe('stacked');
    expect(classifyBlockDevice('md127', { inSysBlock: true, hasDevice: false })).toBe('stacked');
  });

  it('skips partitions and virtual devices', () => {
    expect(classifyBlockDevice('vda1', { inSysBlock: false, hasDevice: false })).toBeUndefined();
    for (const name of ['loop0', 'ram0', 'zram0', 'nbd0']) {
      expect(classifyBlockDevice(name, { inSysBlock: true, hasDevice: false })).toBeUndefined();
    }
  });

  it('maps a diskstats name with a slash to its sysfs name', () => {
    expect(sysBlockName('cciss/c0d0')).toBe('cciss!c0d0');
  });
});
