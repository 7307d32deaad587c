import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureError } from './capture-types.js';
import { admittedProcess } from './pid-capture.js';

/** A fake /proc with two processes: an allowed agent (4242) and a database (4343). */
const proc = mkdtempSync(join(tmpdir(), 'perf-engine-proc-'));
for (const [pid, name, argv] of [
  [4242, 'node', ['node', 'order-agent.js']],
  [4343, 'postgres', ['postgres', '-D', '/var/lib/postgresql']],
] as const) {
  mkdirSync(join(proc, String(pid)));
  writeFileSync(join(proc, String(pid), 'status'), `Name:\t${name}\nPid:\t${pid}\n`);
  writeFileSync(join(proc, String(pid), 'cmdline'), `${argv.join('\0')}\0`);
}
afterAll(() => rmSync(proc, { recursive: true, force: true }));

function refusal(pid: number, allowed: readonly string[]): CaptureError {
  try {
    admittedProcess(pid, allowed, proc);
  } catch (err) {
    expect(err).toBeInstanceOf(CaptureError);
    return err as CaptureError;
  }
  throw new Error(`pid ${pid} was admitted`);
}

describe('admittedProcess', () => {
  it('admits a process the allow-list names', () => {
    expect(admittedProcess(4242, ['order-agent'], proc)).toMatchObject({ pid: 4242, comm: 'node', argv: ['node', 'order-agent.js'] });
  });

  it('refuses a missing pid and a process the list does not name with the same words, telling neither what runs nor whether it exists', () => {
    const other = refusal(4343, ['order-agent']);
    const missing = refusal(4444, ['order-agent']);
    expect(other.code).toBe('not_allowed');
    expect(missing.code).toBe('not_allowed');
    expect(missing.message).toBe(other.message.replace('4343', '4444'));
    expect(other.message).not.toMatch(/postgres/);
    expect(other.message).toContain('profiling_allowed_processes');
  });

  it('refuses every pid while the allow-list is empty, the same way for one that exists and one that does not', () => {
    expect(refusal(4242, []).message).toBe(refusal(4444, []).message);
  });
});
