import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** A native addon, or why it could not be loaded. */
export type AddonLoad<T> = { readonly addon: T; readonly error: '' } | { readonly addon: null; readonly error: string };

/** Addons tried so far, by name and the module asking: each is loaded (or fails) once. */
const loads = new Map<string, AddonLoad<unknown>>();

/**
 * Loads `dist/native/<name>.node` (built by scripts/build-native.mjs) from a module two folders
 * below `src/` or `dist/` (`from` is that module's `import.meta.url`), once: the path is tried as
 * seen from `dist/` first, then from `src/`, and later calls get the first one's result.
 */
export function loadNativeAddon<T>(name: string, from: string): AddonLoad<T> {
  const key = `${name} ${from}`;
  let loaded = loads.get(key);
  if (!loaded) {
    loaded = tryLoad(name, from);
    loads.set(key, loaded);
  }
  return loaded as AddonLoad<T>;
}

function tryLoad(name: string, from: string): AddonLoad<unknown> {
  const places = [`../../native/${name}.node`, `../../../dist/native/${name}.node`];
  const path = places.map((p) => fileURLToPath(new URL(p, from))).find((p) => existsSync(p));
  try {
    if (!path) throw new Error('not built (npm run build compiles it with node-gyp)');
    return { addon: createRequire(from)(path) as unknown, error: '' };
  } catch (err) {
    return { addon: null, error: err instanceof Error ? err.message : String(err) };
  }
}
