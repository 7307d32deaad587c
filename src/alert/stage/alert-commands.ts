import { randomUUID } from 'node:crypto';
import type { Severity } from '../../model/severity.js';
import type { Queryable } from '../../store/db.js';
import { createSilence, expireSilence, listSilences, silenceView, type SilenceView } from './silence-repo.js';

/** Source and metric globs of silences: name characters plus `*` and `?`. */
export const GLOB_PATTERN = '^[A-Za-z0-9_.:*?-]{1,128}$';
/** Longest silence: a year. */
export const MAX_SILENCE_MS = 366 * 86_400_000;
/** Alert and silence ids. */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** A silence as an operator asks for it. */
export interface SilenceInput {
  readonly source: string;
  readonly metric?: string;
  readonly severity?: Severity;
  readonly durationMs: number;
  readonly comment?: string;
  readonly createdBy?: string;
}

/** Why a silence request is refused, or null when it is fine. */
export function silenceProblem(s: SilenceInput): string | null {
  const glob = new RegExp(GLOB_PATTERN);
  if (!glob.test(s.source)) return `source "${s.source}": expected a glob of 1-128 characters of A-Z a-z 0-9 _ . : - * ?`;
  if (s.metric !== undefined && !glob.test(s.metric)) return `metric "${s.metric}": expected a glob of 1-128 characters of A-Z a-z 0-9 _ . : - * ?`;
  if (!(s.durationMs > 0 && s.durationMs <= MAX_SILENCE_MS)) return 'duration: expected more than 0 and at most 366 days';
  if (s.comment !== undefined && s.comment.length > 1000) return 'comment: at most 1000 characters';
  return null;
}

/** Stores a silence starting now (the caller checked it with {@link silenceProblem}). */
export async function addSilence(db: Queryable, s: SilenceInput, now: number): Promise<SilenceView> {
  const created = await createSilence(db, {
    id: randomUUID(),
    sourceGlob: s.source,
    metricGlob: s.metric ?? '*',
    severity: s.severity ?? null,
    startsAt: now,
    endsAt: now + s.durationMs,
    comment: s.comment ?? '',
    createdBy: s.createdBy ?? null,
  });
  return silenceView(created, now);
}

/** Silences in force or to come (every one with `all`). */
export async function silenceViews(db: Queryable, now: number, all = false): Promise<SilenceView[]> {
  return (await listSilences(db, now, { all })).map((s) => silenceView(s, now));
}

/** Ends a silence now; false when unknown or already ended. */
export async function removeSilence(db: Queryable, id: string, now: number): Promise<boolean> {
  if (!new RegExp(UUID_PATTERN).test(id)) return false;
  return expireSilence(db, id, now);
}
