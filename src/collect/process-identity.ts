import { createHash } from 'node:crypto';
import { toValidName } from '../model/metric-names.js';
import type { CgroupMembership } from './proc/parse-proc-cgroup.js';

/** What a watched process's identity is derived from: facts that survive a restart (never the pid). */
export interface ProcessFacts {
  readonly comm: string;
  readonly argv: readonly string[];
  /** The systemd service this process is the main process of (see mainProcessUnit). */
  readonly mainOfUnit?: string;
}

/** Executables that run a program given as their first plain argument. */
const INTERPRETER = /^(node|nodejs|bun|deno|tsx|ts-node|python[0-9.]*|pypy[0-9.]*|ruby|perl|php)$/;
/** Interpreter options whose value is a separate argument, so that argument is not the program. */
const VALUE_OPTIONS = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '-C',
  '--conditions',
  '--env-file',
  '--title',
  '--inspect-port',
  '-W',
  '-X',
]);
/** Options whose value is inline code: such a process runs no program file. */
const CODE_OPTIONS = new Set(['-e', '--eval', '-p', '--print', '-c']);
/** Subcommands some interpreters take before the program (`deno run x.ts`, `bun run x.ts`, `tsx watch x.ts`). */
const SUBCOMMANDS = new Set(['run', 'watch']);
/** Extensions that mark an argument as a program file, whatever the executable. */
const SCRIPT_EXT = /\.(?:[cm]?[jt]sx?|py|rb|pl|php|sh|jar)$/;
/** File and folder names that say nothing about which program runs: the name is looked for further up the path. */
const GENERIC = new Set(['index', 'main', 'server', 'app', 'cli', 'start', 'run', 'bin', '.bin', 'dist', 'build', 'lib', 'src', 'out']);

/** Longest executable and program parts of an identity, so that an ordinal suffix always fits in 128 characters. */
const MAX_EXE = 32;
const MAX_PROGRAM = 64;

/**
 * The identity of a process, the base of its source name: `<exe>:<unit>` for the main process of a
 * systemd service, else `<exe>:<program>` with `.<digest>` of the program's own arguments when it
 * has any, `<exe>:<digest>` when no program file is named (inline code, a binary with arguments),
 * `<exe>` alone without arguments. Interpreter options before the program (heap size, inspector)
 * are left out, so a restart with other tuning keeps its identity. Always a valid name of at most
 * 120 characters.
 */
export function processIdentity(f: ProcessFacts): string {
  const argv = f.argv.filter((a) => a !== '');
  const exe = executableName(f.comm, argv);
  if (f.mainOfUnit !== undefined) return `${exe}:${toValidName(f.mainOfUnit).slice(0, MAX_PROGRAM)}`;
  const { program, argsFrom } = findProgram(argv, INTERPRETER.test(exe));
  const args = argv.slice(argsFrom);
  if (program === undefined) return args.length === 0 ? exe : `${exe}:${argsDigest(args)}`;
  const name = toValidName(programName(program)).slice(0, MAX_PROGRAM);
  return args.length === 0 ? `${exe}:${name}` : `${exe}:${name}.${argsDigest(args)}`;
}

/** basename(argv[0]), or comm when argv[0] is missing or a rewritten title with spaces in it. */
function executableName(comm: string, argv: readonly string[]): string {
  const arg0 = argv[0] ?? '';
  const base = arg0.slice(arg0.lastIndexOf('/') + 1);
  return toValidName(base !== '' && !base.includes(' ') ? base : comm).slice(0, MAX_EXE);
}

/**
 * The argument naming the program a command runs, and where the program's own arguments start.
 * An interpreter runs its first plain argument (or `-m module`); any executable runs an argument
 * with a script extension. Inline code (`-e`, `-c`) names no program: every argument counts then.
 */
export function findProgram(argv: readonly string[], interpreter: boolean): { program?: string; argsFrom: number } {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (CODE_OPTIONS.has(a)) return { argsFrom: 1 };
    if (interpreter && a === '-m' && i + 1 < argv.length) return { program: argv[i + 1]!, argsFrom: i + 2 };
    if (a.startsWith('-')) {
      if (interpreter && VALUE_OPTIONS.has(a)) i++;
      continue;
    }
    if (SCRIPT_EXT.test(a)) return { program: a, argsFrom: i + 1 };
    if (interpreter && !(SUBCOMMANDS.has(a) && i + 1 < argv.length)) return { program: a, argsFrom: i + 1 };
  }
  return { argsFrom: 1 };
}

/**
 * A readable name for a program path: its file name without a script extension, or, when that is
 * generic (`index.js`, `main.js`), the nearest folder that is not (`/opt/order-agent/dist/index.js`
 * gives `order-agent`).
 */
export function programName(program: string): string {
  const parts = program.split('/').filter((p) => p !== '' && p !== '.' && p !== '..');
  const file = (parts.pop() ?? program).replace(SCRIPT_EXT, '');
  if (!GENERIC.has(file.toLowerCase())) return file;
  for (let i = parts.length - 1; i >= 0; i--) if (!GENERIC.has(parts[i]!.toLowerCase())) return parts[i]!;
  return file;
}

/** Six hex digits of SHA-256 over the arguments: short, and the same on every host and run. */
function argsDigest(args: readonly string[]): string {
  return createHash('sha256').update(args.join('\0')).digest('hex').slice(0, 6);
}

/** The cgroup path systemd placed a process in: the unified hierarchy's, else the v1 `name=systemd` one. */
function systemdPath(m: CgroupMembership): string | undefined {
  if (m.unified !== undefined && m.unified !== '/') return m.unified;
  return m.controllers.get('name=systemd') ?? m.unified;
}

/** The systemd service of a process's cgroup (`/system.slice/order-agent.service` gives `order-agent.service`). */
export function serviceUnit(m: CgroupMembership): string | undefined {
  const path = systemdPath(m);
  const leaf = path?.slice(path.lastIndexOf('/') + 1);
  return leaf !== undefined && leaf.endsWith('.service') && leaf.length > '.service'.length ? leaf : undefined;
}

/**
 * The service a process is the main process of: it is in the service's cgroup and its parent is
 * not (systemd started it). Children it spawns share its cgroup, so they are named by their own
 * program instead: a CI runner's service holds every job's processes, which its name would not tell apart.
 */
export function mainProcessUnit(own: CgroupMembership, parent: CgroupMembership | undefined): string | undefined {
  const unit = serviceUnit(own);
  if (unit === undefined) return undefined;
  return parent !== undefined && systemdPath(parent) === systemdPath(own) ? undefined : unit;
}

/**
 * The command line as one short label value: the executable's file name, then the arguments,
 * joined by spaces and cut at `max` characters with an ellipsis.
 */
export function shortCommand(argv: readonly string[], max = 96): string {
  const [arg0 = '', ...args] = argv.filter((a) => a !== '');
  // A title rewritten with spaces (`postgres: 15/main: checkpointer`) is no path to shorten.
  const exe = arg0.includes(' ') ? arg0 : arg0.slice(arg0.lastIndexOf('/') + 1);
  const line = [exe, ...args]
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}
