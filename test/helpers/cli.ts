import { spawn } from 'node:child_process';

/** What a CLI run gave: its exit status (null when killed), standard output and standard error. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `perf-engine` (the TypeScript sources through tsx) as a child process without blocking
 * this one. Tests whose engine runs in the test process must not use spawnSync: the engine's
 * event loop would stop while the CLI runs, and a lock its unfinished transaction holds could keep
 * the CLI waiting until the timeout.
 */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}
