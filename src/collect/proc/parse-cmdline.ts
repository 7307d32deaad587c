/** Splits /proc/<pid>/cmdline (NUL-separated arguments, usually NUL-terminated) into argv; [] for kernel threads. */
export function parseCmdline(text: string): string[] {
  if (text === '') return [];
  const argv = text.split('\0');
  if (argv[argv.length - 1] === '') argv.pop();
  return argv;
}
