/** A part of a process with a lifecycle. Started in registration order, stopped in reverse. */
export interface Component {
  readonly name: string;
  start?(): Promise<void> | void;
  /** Stops work and flushes what is buffered. */
  stop?(): Promise<void> | void;
  /** Extra readiness detail; `ready: false` makes `/readyz` answer 503. */
  health?(): { ready: boolean; detail?: unknown };
}
