/** A compiled glob: `*` matches any run of characters (also none), `?` exactly one; the rest is literal. */
export type GlobMatcher = (text: string) => boolean;

const cache = new Map<string, GlobMatcher>();

/** Compiles (and caches) a glob on whole names; `*` alone matches everything without a regex. */
export function compileGlob(glob: string): GlobMatcher {
  let m = cache.get(glob);
  if (m) return m;
  if (glob === '*') m = () => true;
  else if (!/[*?]/.test(glob)) m = (text) => text === glob;
  else {
    const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    const re = new RegExp(`^${source}$`, 's');
    m = (text) => re.test(text);
  }
  if (cache.size > 10_000) cache.clear();
  cache.set(glob, m);
  return m;
}

/** True when `text` matches `glob` (see {@link compileGlob}). */
export function globMatches(glob: string, text: string): boolean {
  return compileGlob(glob)(text);
}
