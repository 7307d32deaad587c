import { maskUrl } from '../../../config/config-store.js';
import { failedFindings, type DbFindings } from '../../db/db-findings.js';
import { databaseOfUrl } from '../../db/db-targets.js';
import { adviseDatabase, type AdviseOptions, type DbAdvisorMemory } from './db-advisor.js';
import type { SessionOpener } from './sql-session.js';

/**
 * One advisor pass over the database at `url`, on a session of its own closed afterwards. A
 * database that cannot be reached, or a pass that fails, gives findings that say so (secrets in
 * the URL and in the error masked), never an exception.
 */
export async function adviseTarget(
  open: SessionOpener,
  url: string,
  o: Omit<AdviseOptions, 'target'>,
): Promise<{ findings: DbFindings; memory: DbAdvisorMemory | null }> {
  const target = maskUrl(url);
  const name = databaseOfUrl(url) ?? '?';
  const now = o.now ?? Date.now;
  let session;
  try {
    session = await open(url);
  } catch (err) {
    return { findings: failedFindings(name, target, maskUrl((err as Error).message), now(), true), memory: null };
  }
  try {
    return await adviseDatabase(session, { ...o, target });
  } catch (err) {
    return { findings: failedFindings(name, target, maskUrl((err as Error).message), now(), false), memory: o.memory };
  } finally {
    await session.close().catch(() => undefined);
  }
}
