import { describe, expect, it } from 'vitest';
import { isValidName } from '../model/metric-names.js';
import { findProgram, mainProcessUnit, processIdentity, programName, serviceUnit, shortCommand } from './process-identity.js';
import { parseCmdline } from './proc/parse-cmdline.js';
import { parseProcCgroup } from './proc/parse-proc-cgroup.js';

/** argv as /proc/<pid>/cmdline holds it, NUL-separated. */
const cmdline = (...argv: string[]): string[] => parseCmdline(`${argv.join('\0')}\0`);
const id = (...argv: string[]): string => processIdentity({ comm: 'node', argv: cmdline(...argv) });

describe('processIdentity', () => {
  it('names a node process by its script, without the pid or the interpreter options', () => {
    expect(id('node', 'agents/order-agent.js')).toBe('node:order-agent');
    expect(id('/usr/bin/node', '--max-old-space-size=512', '--inspect', 'agents/order-agent.js')).toBe('node:order-agent');
    expect(id('node', '-r', 'dotenv/config', '--import', 'tsx', 'src/order-agent.ts')).toBe('node:order-agent');
  });

  it('looks past generic file and folder names to the one that says which program it is', () => {
    expect(id('node', '/opt/order-agent/dist/index.js')).toBe('node:order-agent');
    expect(id('node', '/work/main/node_modules/.bin/vitest', 'run', 'src').startsWith('node:vitest.')).toBe(true);
  });

  it('adds a short digest of the program arguments, the same on every run and different per argument list', () => {
    const one = id('node', '/srv/sim/agent-main.js', '--agent-id', 'order-agent-1');
    expect(one).toMatch(/^node:agent-main\.[0-9a-f]{6}$/);
    expect(id('/usr/local/bin/node', '--trace-gc', '/srv/sim/agent-main.js', '--agent-id', 'order-agent-1')).toBe(one);
    expect(id('node', '/srv/sim/agent-main.js', '--agent-id', 'order-agent-2')).not.toBe(one);
  });

  it('finds the program of a captured vitest worker behind --require and --conditions values', () => {
    const argv = [
      '/usr/bin/node',
      '--experimental-import-meta-resolve',
      '--require',
      '/work/main/node_modules/vitest/suppress-warnings.cjs',
      '--conditions',
      'node',
      '--conditions',
      'development',
      '/work/main/node_modules/vitest/dist/workers/forks.js',
    ];
    expect(id(...argv)).toBe('node:forks');
  });

  it('falls back to a digest of every argument for inline code, and to the executable alone without arguments', () => {
    expect(id('node', '-e', 'setInterval(() => {}, 1000)')).toMatch(/^node:[0-9a-f]{6}$/);
    expect(id('node', '-e', 'setInterval(() => {}, 1000)')).toBe(id('node', '-e', 'setInterval(() => {}, 1000)'));
    expect(id('node', '-e', 'setInterval(() => {}, 2000)')).not.toBe(id('node', '-e', 'setInterval(() => {}, 1000)'));
    expect(id('node')).toBe('node');
  });

  it('names other interpreters and binaries the same way', () => {
    expect(processIdentity({ comm: 'python3', argv: cmdline('/usr/bin/python3', '-m', 'celery.worker') })).toBe('python3:celery.worker');
    expect(processIdentity({ comm: 'deno', argv: cmdline('deno', 'run', '-A', 'bot.ts') })).toBe('deno:bot');
    expect(processIdentity({ comm: 'java', argv: cmdline('java', '-Xmx1g', '-jar', '/opt/kafka-ui.jar') })).toBe('java:kafka-ui');
    expect(
      processIdentity({ comm: 'postgres', argv: cmdline('/usr/lib/postgresql/15/bin/postgres', '-D', '/var/lib/postgresql/15/main') }),
    ).toMatch(/^postgres:[0-9a-f]{6}$/);
  });

  it('uses comm for a process whose title was rewritten, ignoring the padding NULs', () => {
    const argv = parseCmdline('stress-ng-cpu [run]\0\0\0\0\0\0');
    expect(processIdentity({ comm: 'stress-ng-cpu', argv })).toBe('stress-ng-cpu');
    expect(processIdentity({ comm: 'kworker/0:1', argv: [] })).toBe('kworker_0:1');
  });

  it('names the main process of a service by the service, a valid name whatever the unit is called', () => {
    expect(processIdentity({ comm: 'node', argv: cmdline('node', 'dist/main.js'), mainOfUnit: 'order-agent.service' })).toBe(
      'node:order-agent.service',
    );
    expect(processIdentity({ comm: 'node', argv: cmdline('node', 'w.js'), mainOfUnit: 'worker@2.service' })).toBe('node:worker_2.service');
  });

  it('always gives a valid name with room for an ordinal suffix', () => {
    const long = id(`/x/${'n'.repeat(300)}`, `/srv/${'a'.repeat(300)}.js`, 'x y', 'é');
    expect(long.length).toBeLessThanOrEqual(120);
    expect(isValidName(`${long}:99`)).toBe(true);
    expect(isValidName(id('node', 'my agent (v2).js'))).toBe(true);
  });
});

describe('findProgram and programName', () => {
  it('skips a subcommand only when something follows it', () => {
    expect(findProgram(['bun', 'run', 'dev.ts'], true)).toEqual({ program: 'dev.ts', argsFrom: 3 });
    expect(findProgram(['node', 'run'], true)).toEqual({ program: 'run', argsFrom: 2 });
  });

  it('takes a program of a binary only from a script extension', () => {
    expect(findProgram(['bash', '/opt/ci/run-tests.sh', '--fast'], false)).toEqual({ program: '/opt/ci/run-tests.sh', argsFrom: 2 });
    expect(findProgram(['nginx', '-g', 'daemon off;'], false)).toEqual({ argsFrom: 1 });
  });

  it('keeps a generic name when the whole path is generic', () => {
    expect(programName('/app/dist/index.js')).toBe('index');
    expect(programName('./server.mjs')).toBe('server');
    expect(programName('celery.worker')).toBe('celery.worker');
  });
});

describe('serviceUnit and mainProcessUnit', () => {
  const v2 = (path: string) => parseProcCgroup(`0::${path}\n`);
  const v1 = (path: string) => parseProcCgroup(`12:pids:${path}\n1:name=systemd:${path}\n0::/\n`);

  it('reads the service from the unified path, or from the v1 name=systemd path of a hybrid setup', () => {
    expect(serviceUnit(v2('/system.slice/order-agent.service'))).toBe('order-agent.service');
    expect(serviceUnit(v1('/system.slice/order-agent.service'))).toBe('order-agent.service');
    expect(serviceUnit(v2('/user.slice/user-1000.slice/session-3.scope'))).toBeUndefined();
    expect(serviceUnit(v2('/system.slice/docker-0123abcd.scope'))).toBeUndefined();
    expect(serviceUnit(v2('/'))).toBeUndefined();
    expect(serviceUnit(parseProcCgroup('4:memory:/process_api/cc80\n1:name=systemd:/\n0::/\n'))).toBeUndefined();
  });

  it('calls a process the main one when its parent is outside the service or unknown', () => {
    const own = v2('/system.slice/order-agent.service');
    expect(mainProcessUnit(own, v2('/init.scope'))).toBe('order-agent.service');
    expect(mainProcessUnit(own, undefined)).toBe('order-agent.service');
    expect(mainProcessUnit(own, v2('/system.slice/order-agent.service'))).toBeUndefined();
    expect(mainProcessUnit(v2('/user.slice/user-1000.slice/session-3.scope'), v2('/init.scope'))).toBeUndefined();
  });
});

describe('shortCommand', () => {
  it('shortens the executable to its file name and cuts a long line with an ellipsis', () => {
    expect(shortCommand(cmdline('/usr/bin/node', 'agents/order-agent.js'))).toBe('node agents/order-agent.js');
    const cut = shortCommand(['node', '-e', 'x'.repeat(200)], 40);
    expect(cut).toHaveLength(40);
    expect(cut.endsWith('…')).toBe(true);
  });

  it('keeps a rewritten title whole and folds whitespace', () => {
    expect(shortCommand(parseCmdline('postgres: 15/main: checkpointer   \0\0'))).toBe('postgres: 15/main: checkpointer');
    expect(shortCommand(['node', '-e', 'a\n  b'])).toBe('node -e a b');
    expect(shortCommand([])).toBe('');
  });
});
