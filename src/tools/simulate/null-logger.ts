import { pino, type Logger } from 'pino';

/** A logger that drops everything: the simulator reports through its own progress lines. */
export function nullLogger(): Logger {
  return pino({ level: 'silent' });
}
