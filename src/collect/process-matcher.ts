/** Decides whether a process is watched, given its comm and (lazily, as it costs a read) its argv. */
export type ProcessMatcher = (comm: string, argv: () => readonly string[]) => boolean;

/**
 * Compiles watch patterns (JavaScript regex sources) into a matcher that tests each against comm,
 * then basename(argv[0]), then the command line joined by spaces. Throws on an invalid pattern,
 * naming it.
 */
export function createProcessMatcher(patterns: readonly string[]): ProcessMatcher {
  const regexes = patterns.map((p) => {
    try {
      return new RegExp(p);
    } catch (err) {
      throw new Error(`invalid process pattern ${JSON.stringify(p)}: ${(err as Error).message}`, { cause: err });
    }
  });
  return (comm, argv) => {
    if (regexes.length === 0) return false;
    if (regexes.some((r) => r.test(comm))) return true;
    const args = argv();
    if (args.length === 0) return false;
    const arg0 = args[0]!;
    const base = arg0.slice(arg0.lastIndexOf('/') + 1);
    const line = args.join(' ');
    return regexes.some((r) => r.test(base) || r.test(line));
  };
}
