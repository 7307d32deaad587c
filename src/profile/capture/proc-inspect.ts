/** A listening TCP socket from `/proc/<pid>/net/tcp` or `tcp6`. */
export interface ListeningSocket {
  readonly inode: number;
  /** Dotted IPv4, or IPv6 in full hex groups. */
  readonly address: string;
  readonly port: number;
}

/** Where a Node.js process's inspector listens once activated. */
export interface InspectorAddress {
  readonly host: string;
  readonly port: number;
}

/** Node's inspector port when nothing else is configured. */
export const DEFAULT_INSPECTOR_PORT = 9229;

/** The signal that opens a Node.js process's inspector. */
export const SIGUSR1 = 10;

function ipv4(hex: string): string {
  const n = Number.parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.');
}

function ipv6(hex: string): string {
  const groups: string[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    const bytes = [word.slice(6, 8), word.slice(4, 6), word.slice(2, 4), word.slice(0, 2)];
    groups.push(`${bytes[0]}${bytes[1]}`, `${bytes[2]}${bytes[3]}`);
  }
  return groups.join(':').toLowerCase();
}

/** Parses `/proc/net/tcp` or `tcp6` text into its listening sockets (state 0A). */
export function parseListeningSockets(text: string): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== '0A') continue;
    const [addr, port] = f[1]!.split(':');
    if (addr === undefined || port === undefined) continue;
    out.push({ inode: Number(f[9]), address: addr.length === 8 ? ipv4(addr) : ipv6(addr), port: Number.parseInt(port, 16) });
  }
  return out;
}

/** Whether a listening address is reachable at 127.0.0.1 / ::1 (loopback or any-address). */
export function reachableOnLoopback(address: string): boolean {
  return (
    address.startsWith('127.') ||
    address === '0.0.0.0' ||
    /^0000:0000:0000:0000:0000:0000:0000:000[01]$/.test(address) ||
    address === '0000:0000:0000:0000:0000:ffff:7f00:0001' ||
    address.startsWith('0000:0000:0000:0000:0000:ffff:7f')
  );
}

/** Socket inodes from the targets of `/proc/<pid>/fd/*` links (`socket:[12345]`). */
export function socketInodes(linkTargets: readonly string[]): Set<number> {
  const out = new Set<number>();
  for (const t of linkTargets) {
    const m = /^socket:\[(\d+)\]$/.exec(t);
    if (m) out.add(Number(m[1]));
  }
  return out;
}

/** A field of `/proc/<pid>/status` (`Name`, `SigCgt`, ...), or undefined. */
export function statusField(status: string, field: string): string | undefined {
  const m = new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(status);
  return m?.[1]?.trim();
}

/** Whether the process has a handler for signal `signo` (bit `signo - 1` of `SigCgt`). */
export function catchesSignal(status: string, signo: number): boolean {
  const mask = statusField(status, 'SigCgt');
  if (mask === undefined || !/^[0-9a-fA-F]+$/.test(mask)) return false;
  return ((BigInt(`0x${mask}`) >> BigInt(signo - 1)) & 1n) === 1n;
}

/** Node options that take their value as the next argument (so that value is not the script). */
const VALUE_OPTIONS = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '-e', '--eval', '-p', '--print', '--title', '-C', '--conditions', '--input-type']);

function hostPort(value: string): InspectorAddress | null {
  const m = /^(?:\[?([^\]]*?)\]?:)?(\d{1,5})$/.exec(value);
  if (m) return { host: m[1] || '127.0.0.1', port: Number(m[2]) };
  return value === '' ? null : { host: value, port: DEFAULT_INSPECTOR_PORT };
}

/**
 * Where the inspector of a Node.js process will listen when SIGUSR1 opens it: the last of
 * `--inspect-port`, `--inspect`, `--inspect-brk`, `--inspect-wait` or `--debug-port` on its command
 * line or in `NODE_OPTIONS` (command line wins), else 127.0.0.1:9229.
 */
export function inspectorAddress(argv: readonly string[], nodeOptions = ''): InspectorAddress {
  let found: InspectorAddress | null = null;
  const scan = (args: readonly string[]): void => {
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      // Node's own options end at the script (or `--`); what follows belongs to the program.
      if (a === '--' || !a.startsWith('-')) break;
      if (VALUE_OPTIONS.has(a)) {
        i++;
        continue;
      }
      const m = /^--(inspect-port|inspect|inspect-brk|inspect-wait|debug-port)(?:=(.*))?$/.exec(a);
      if (!m) continue;
      const value = m[2] ?? (m[1] === 'inspect-port' || m[1] === 'debug-port' ? args[++i] : undefined);
      if (value !== undefined) found = hostPort(value) ?? found;
    }
  };
  scan(nodeOptions.split(/\s+/).filter((s) => s !== ''));
  scan(argv.slice(1));
  return found ?? { host: '127.0.0.1', port: DEFAULT_INSPECTOR_PORT };
}
