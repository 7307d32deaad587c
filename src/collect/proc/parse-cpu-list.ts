/** Counts the CPUs of a kernel CPU list such as `0-3,8-11` or `0` (/sys/devices/system/cpu/online); 0 when malformed. */
export function countCpuList(text: string): number {
  let n = 0;
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const dash = part.indexOf('-');
    const lo = Number(dash < 0 ? part : part.slice(0, dash));
    const hi = dash < 0 ? lo : Number(part.slice(dash + 1));
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) return 0;
    n += hi - lo + 1;
  }
  return n;
}
