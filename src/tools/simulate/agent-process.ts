import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SIM_AGENT_CONFIG_ENV, type AgentMessage, type ParentMessage, type SimAgentConfig } from './sim-protocol.js';

/** Node arguments that run the agent entry point: the compiled file, or the TypeScript source through tsx. */
export function agentEntryArgs(): string[] {
  const compiled = fileURLToPath(new URL('./agent-main.js', import.meta.url));
  if (existsSync(compiled)) return [compiled];
  return ['--import', 'tsx', fileURLToPath(new URL('./agent-main.ts', import.meta.url))];
}

/** pino's numeric level of a JSON log line, or null for any other line. */
function lineLevel(line: string): number | null {
  const m = /"level":(\d+)/.exec(line);
  return m ? Number(m[1]) : null;
}

/** Where a child's output goes: every line with `all`, else warnings, errors and non-log lines (crashes). */
export type AgentOutput = (agentId: string, line: string) => void;

/**
 * One simulated agent as the parent sees it: a separate Node.js process running `agent-main`
 * with an IPC channel (closing it stops the agent), its output filtered into `output`.
 */
export class AgentProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  #exitCode: number | null | undefined = undefined;
  readonly #handlers: ((m: AgentMessage) => void)[] = [];

  constructor(
    readonly config: SimAgentConfig,
    output: AgentOutput,
    allOutput: boolean,
  ) {
    this.child = spawn(process.execPath, [...agentEntryArgs(), '--agent-id', config.agentId], {
      env: { ...process.env, [SIM_AGENT_CONFIG_ENV]: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.#exitCode = code ?? (signal ? 128 : null);
        resolve(this.#exitCode);
      });
      this.child.once('error', () => resolve(null));
    });
    this.child.on('message', (m) => {
      for (const h of this.#handlers) h(m as AgentMessage);
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let rest = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          if (line === '') continue;
          const level = lineLevel(line);
          if (allOutput || level === null || level >= 40) output(config.agentId, line);
        }
      });
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** True once the process has exited. */
  get hasExited(): boolean {
    return this.#exitCode !== undefined;
  }

  /** Adds a listener of the agent's messages. */
  onMessage(handler: (m: AgentMessage) => void): void {
    this.#handlers.push(handler);
  }

  /** Sends a message; ignored once the channel is closed. */
  send(message: ParentMessage): void {
    if (this.child.connected) this.child.send(message);
  }

  /** Resolves when the agent says it is ready; rejects if it exits first or takes longer than `timeoutMs`. */
  ready(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.config.agentId} was not ready within ${timeoutMs} ms`)), timeoutMs);
      this.onMessage((m) => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          resolve();
        }
      });
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${this.config.agentId} exited with code ${code} before it was ready`));
      });
    });
  }

  /**
   * Stops the agent: asks it over IPC, then SIGTERM after `graceMs`, then SIGKILL after as long
   * again. Resolves with its exit code once the process is gone.
   */
  async stop(graceMs: number): Promise<number | null> {
    if (this.hasExited) return this.#exitCode ?? null;
    this.send({ type: 'stop' });
    const escalate = (signal: NodeJS.Signals, ms: number) =>
      setTimeout(() => {
        if (!this.hasExited) this.child.kill(signal);
      }, ms);
    const term = escalate('SIGTERM', graceMs);
    const kill = escalate('SIGKILL', 2 * graceMs);
    const code = await this.exited;
    clearTimeout(term);
    clearTimeout(kill);
    return code;
  }

  /** Kills the process at once (second Ctrl-C). */
  kill(): void {
    if (!this.hasExited) this.child.kill('SIGKILL');
  }
}
