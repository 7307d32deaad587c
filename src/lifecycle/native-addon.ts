import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** A native addon, or why it could not be loaded. */
export type AddonLoad<T> = { readonly addon: T; readonly error: '' } | { readonly addon: null; readonly error: string };

/**
 * Loads `dist/native/<name>.node` (built by scripts/build-native.mjs) from a module two folders
 * below `src/` or `dist/` (`from` is that module's `import.meta.url`): the path is tried as seen
 * from `dist/` first, then from `src/`.
 */
export function loadNativeAddon<T>(name: string, from: string): AddonLoad<T> {
  const places = [`../../native/${name}.node`, `../../../dist/native/${name}.node`];
  const path = places.map((p) => fileURLToPath(new URL(p, from))).find((p) => existsSync(p));
  try {
    if (!path) throw new Error('not built (npm run build compiles it with node-gyp)');
    return { addon: createRequire(from)(path) as T, error: '' };
  } catch (err) {
    return { addon: null, error: err instanceof Error ? err.message : String(err) };
  }
}
