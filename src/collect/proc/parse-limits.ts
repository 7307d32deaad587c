/** The soft limit on open files from /proc/<pid>/limits; undefined when absent or unlimited. */
export function parseMaxOpenFiles(text: string): number | undefined {
  const start = text.indexOf('Max open files');
  if (start < 0) return undefined;
  const soft = parseInt(text.slice(start + 'Max open files'.length, start + 'Max open files'.length + 40), 10);
  return Number.isNaN(soft) ? undefined : soft;
}
