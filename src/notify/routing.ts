import { compileGlob, type GlobMatcher } from '../alert/glob.js';
import type { ReceiverMatch } from '../config/delivery-schema.js';
import type { Notice } from './notice.js';

/** Decides whether a notice goes to a receiver. */
export type NoticeFilter = (n: Notice) => boolean;

const globs = (g: string | readonly string[] | undefined): GlobMatcher[] | null =>
  g === undefined ? null : (typeof g === 'string' ? [g] : g).map(compileGlob);

/**
 * Compiles a receiver's `match`: every field present must match, a list matches when any entry
 * does, an absent field matches everything (so an absent `match` takes every notice).
 */
export function compileMatch(match: ReceiverMatch | undefined): NoticeFilter {
  const m = match ?? {};
  const severity = m.severity ? new Set<string>(m.severity) : null;
  const finding = m.finding ? new Set<string>(m.finding) : null;
  const source = globs(m.source);
  const kind = globs(m.kind);
  return (n) =>
    (severity === null || severity.has(n.severity)) &&
    (finding === null || finding.has(n.finding)) &&
    (source === null || source.some((g) => g(n.source))) &&
    (kind === null || kind.some((g) => g(n.kind)));
}

/** A receiver as routing sees it: a name and its filter. */
export interface Route {
  readonly name: string;
  readonly accepts: NoticeFilter;
}

/** The names of the receivers a notice goes to, in configuration order. */
export function routeNotice(routes: readonly Route[], n: Notice): string[] {
  return routes.filter((r) => r.accepts(n)).map((r) => r.name);
}
