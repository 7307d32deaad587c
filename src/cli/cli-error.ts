/** An error a CLI command reports as one line on stderr, with its exit code (2: bad usage). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A bad argument or option: exit code 2. */
export function usageError(message: string): CliError {
  return new CliError(message, 2);
}
