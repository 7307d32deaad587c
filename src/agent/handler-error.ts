/**
 * An error a handler throws to answer with a chosen code, e.g. `not_found`; the reply is
 * `{"ok": false, "error": {"code", "message"}}`. Any other thrown error is answered as `internal`.
 */
export class HandlerError extends Error {
  override readonly name = 'HandlerError';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
