import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { CaptureError, sleep, type CaptureRequest, type CapturedProfile } from './capture-types.js';
import { captureOverDevtools, evaluate } from './devtools-capture.js';
import { CLOSE_INSPECTOR_SOURCE, CLOSE_WAIT_MS } from './inspector-close-source.js';
import {
  catchesSignal,
  inspectorAddress,
  parseListeningSockets,
  reachableOnLoopback,
  SIGUSR1,
  socketInodes,
  statusField,
  type ListeningSocket,
} from './proc-inspect.js';
import { openWebSocketChannel } from './ws-channel.js';

/** Limits of a capture through another process's inspector. */
export interface NodeProcessOptions {
  /** Longest wait for the inspector to open after SIGUSR1 (default 3 s). */
  readonly activationTimeoutMs?: number;
  /** Longest wait for one protocol command (default 60 s: stopping a long profile takes a while). */
  readonly callTimeoutMs?: number;
  readonly procRoot?: string;
}

/** What /proc says about a process. */
export interface ProcessInfo {
  readonly pid: number;
  readonly comm: string;
  readonly argv: readonly string[];
  /** Resolved executable path, or '' when it cannot be read. */
  readonly exe: string;
  readonly status: string;
  readonly nodeOptions: string;
}

/** Reads a process's identity from /proc; `not_found` when there is no such process. */
export function readProcessInfo(pid: number, procRoot = '/proc'): ProcessInfo {
  const dir = `${procRoot}/${pid}`;
  let status: string;
  try {
    status = readFileSync(`${dir}/status`, 'utf8');
  } catch {
    throw new CaptureError('not_found', `no process with pid ${pid}`);
  }
  const tryRead = (f: () => string): string => {
    try {
      return f();
    } catch {
      return '';
    }
  };
  const argv = tryRead(() => readFileSync(`${dir}/cmdline`, 'utf8')).split('\0').filter((a) => a !== '');
  const environ = tryRead(() => readFileSync(`${dir}/environ`, 'utf8')).split('\0');
  const nodeOptions = environ.find((e) => e.startsWith('NODE_OPTIONS='))?.slice('NODE_OPTIONS='.length) ?? '';
  return { pid, comm: statusField(status, 'Name') ?? '', argv, exe: tryRead(() => readlinkSync(`${dir}/exe`)), status, nodeOptions };
}

/** Whether the process runs the Node.js binary (by executable name, else by name). */
export function isNodeProcess(info: ProcessInfo): boolean {
  const exe = info.exe.replace(/ \(deleted\)$/, '');
  const base = exe.slice(exe.lastIndexOf('/') + 1);
  if (base !== '') return /^(node|nodejs)[0-9.]*$/.test(base);
  return info.comm === 'node';
}

/** Listening sockets owned by the process and reachable on loopback. */
function ownListeningSockets(pid: number, procRoot: string): ListeningSocket[] {
  const dir = `${procRoot}/${pid}`;
  let links: string[];
  try {
    links = readdirSync(`${dir}/fd`).map((fd) => {
      try {
        return readlinkSync(`${dir}/fd/${fd}`);
      } catch {
        return '';
      }
    });
  } catch (err) {
    throw new CaptureError('inspector_unavailable', `cannot read the sockets of pid ${pid} (${(err as NodeJS.ErrnoException).code}); the engine must run as the same user as the target, or as root`);
  }
  const inodes = socketInodes(links);
  return netListening(pid, procRoot).filter((s) => inodes.has(s.inode) && reachableOnLoopback(s.address));
}

/** Every listening socket of the process's network namespace. */
function netListening(pid: number, procRoot: string): ListeningSocket[] {
  const read = (f: string): ListeningSocket[] => {
    try {
      return parseListeningSockets(readFileSync(`${procRoot}/${pid}/net/${f}`, 'utf8'));
    } catch {
      return [];
    }
  };
  return [...read('tcp'), ...read('tcp6')];
}

/** The inspector's WebSocket URL among the process's listening ports, or null. */
async function findInspector(pid: number, procRoot: string): Promise<string | null> {
  for (const s of ownListeningSockets(pid, procRoot)) {
    try {
      const res = await fetch(`http://127.0.0.1:${s.port}/json/list`, { signal: AbortSignal.timeout(1000) });
      const list = (await res.json()) as { webSocketDebuggerUrl?: string }[];
      const url = Array.isArray(list) ? list.find((t) => typeof t.webSocketDebuggerUrl === 'string')?.webSocketDebuggerUrl : undefined;
      if (url) return url.replace(/^ws:\/\/[^/]+/, `ws://127.0.0.1:${s.port}`);
    } catch {
      // Not an inspector (some other server of the process): try the next port.
    }
  }
  return null;
}

/** Ports on which this engine has opened an inspector and not yet closed it, with the pid. */
const openedByUs = new Map<number, number>();

async function activate(info: ProcessInfo, procRoot: string, timeoutMs: number): Promise<{ url: string; port: number }> {
  const { pid } = info;
  if (!catchesSignal(info.status, SIGUSR1)) {
    throw new CaptureError('not_node', `pid ${pid} (${info.comm}) does not handle SIGUSR1, so it has no inspector to open (SIGUSR1 would kill it)`);
  }
  const at = inspectorAddress(info.argv, info.nodeOptions);
  if (!/^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/.test(at.host)) {
    throw new CaptureError('not_allowed', `pid ${pid} would open its inspector on ${at.host}:${at.port}, reachable from other machines; only 127.0.0.1 is allowed`);
  }
  if (at.port !== 0) {
    const holder = openedByUs.get(at.port);
    if (holder !== undefined) {
      throw new CaptureError('port_in_use', `port ${at.port} is held by the inspector this engine opened in pid ${holder} for another profile; retry when it ends, or start Node processes with --inspect-port=0 so each picks a free port`);
    }
    if (netListening(pid, procRoot).some((s) => s.port === at.port && reachableOnLoopback(s.address))) {
      throw new CaptureError('port_in_use', `port ${at.port} is already in use by another process, so pid ${pid} cannot open its inspector there; free it, or start the target with --inspect-port=0 (any free port) or another --inspect-port`);
    }
    openedByUs.set(at.port, pid);
  }
  try {
    process.kill(pid, 'SIGUSR1');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await sleep(50);
      const url = await findInspector(pid, procRoot);
      if (url) return { url, port: Number(new URL(url).port) };
    }
  } catch (err) {
    openedByUs.delete(at.port);
    throw err;
  }
  openedByUs.delete(at.port);
  throw new CaptureError('inspector_unavailable', `pid ${pid} did not open its inspector within ${timeoutMs} ms of SIGUSR1 (its stderr says why: port ${at.port} taken, or started with --disable-sigusr1)`);
}

/**
 * Records a profile of another Node.js process on this host through its inspector, on 127.0.0.1
 * only. An inspector already open is used as it is; otherwise SIGUSR1 opens it (after checking the
 * process handles that signal and that its port is free) and it is closed again afterwards, so the
 * process is left as it was found. The caller checks the allow-list first.
 */
export async function captureNodeProcess(pid: number, req: CaptureRequest, opts: NodeProcessOptions = {}): Promise<CapturedProfile> {
  const procRoot = opts.procRoot ?? '/proc';
  const info = readProcessInfo(pid, procRoot);
  const existing = await findInspector(pid, procRoot);
  const opened = existing ? null : await activate(info, procRoot, opts.activationTimeoutMs ?? 3000);
  try {
    const channel = await openWebSocketChannel(existing ?? opened!.url, {
      connectTimeoutMs: 5000,
      callTimeoutMs: opts.callTimeoutMs ?? 60_000,
      maxPayload: req.maxBytes + 1024 * 1024,
    });
    try {
      const remotePid = await evaluate(channel, 'process.pid');
      if (remotePid !== pid) throw new CaptureError('failed', `the inspector found for pid ${pid} belongs to pid ${String(remotePid)}`);
      return await captureOverDevtools(channel, req);
    } finally {
      if (opened) await evaluate(channel, CLOSE_INSPECTOR_SOURCE).catch(() => undefined);
      await channel.close();
      // The target closes its inspector once this connection has gone: wait for it, or a capture
      // right after this one would find the closing inspector "already open" and lose its connection.
      if (opened) await waitUntilClosed(pid, opened.port, procRoot, CLOSE_WAIT_MS + 1000);
    }
  } finally {
    if (opened) openedByUs.delete(opened.port);
  }
}

/** Polls until the process no longer listens on `port` (or `timeoutMs` passes). */
async function waitUntilClosed(pid: number, port: number, procRoot: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    let listening: ListeningSocket[];
    try {
      listening = ownListeningSockets(pid, procRoot);
    } catch {
      return;
    }
    if (!listening.some((s) => s.port === port)) return;
    await sleep(20);
  }
}
