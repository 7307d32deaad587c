import { SIM_AGENT_CONFIG_ENV, type AgentMessage, type ParentMessage, type SimAgentConfig } from './sim-protocol.js';
import { runSimAgent } from './sim-agent.js';

/**
 * Entry point of a simulated agent process, started by `perf-engine simulate` with an IPC
 * channel. It stops when the parent says so, on SIGTERM, or when the channel closes (the parent
 * died): a simulated agent never outlives its simulation. SIGINT is left to the parent, which
 * receives it too from the terminal and stops the agents in order.
 */
async function main(): Promise<number> {
  const send = process.send?.bind(process);
  const raw = process.env[SIM_AGENT_CONFIG_ENV];
  if (!send || !raw) {
    process.stderr.write('agent-main is started by `perf-engine simulate`, with an IPC channel and its configuration\n');
    return 2;
  }
  const config = JSON.parse(raw) as SimAgentConfig;
  const stop = new AbortController();
  const parentPid = process.ppid;
  process.on('disconnect', () => stop.abort());
  process.on('SIGTERM', () => stop.abort());
  process.on('SIGINT', () => undefined);
  const watchdog = setInterval(() => {
    if (process.ppid !== parentPid) stop.abort();
  }, 1000);
  watchdog.unref();
  const channel = {
    send(message: AgentMessage) {
      if (process.connected) send(message);
    },
    onMessage(handler: (message: ParentMessage) => void) {
      process.on('message', (m) => handler(m as ParentMessage));
    },
  };
  await runSimAgent(config, channel, stop.signal);
  if (process.connected) process.disconnect();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`simulated agent failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
