import type { DbTarget } from '../../db/db-targets.js';
import { marked } from './catalog-reader.js';
import type { SessionOpener } from './sql-session.js';

/**
 * The watched databases by name: proposals and the optimizing engine name a database
 * (`params.database`, its current_database()), and appliers and readers need its URL. Names are
 * learnt by asking each target once, or told by the advisor after a pass.
 */
export class DatabaseDirectory {
  readonly #urls = new Map<string, string>();
  readonly #asked = new Set<string>();

  constructor(
    private readonly targets: () => readonly DbTarget[],
    private readonly open: SessionOpener,
  ) {}

  /** Records that `url` reaches the database `name`. */
  learn(name: string, url: string): void {
    this.#urls.set(name, url);
    this.#asked.add(url);
  }

  /** The URL of the watched database `name`; null when no target reaches it. */
  async urlOf(name: string): Promise<string | null> {
    const known = this.#urls.get(name);
    if (known) return known;
    for (const t of this.targets()) {
      if (this.#asked.has(t.url)) continue;
      try {
        const s = await this.open(t.url);
        try {
          const r = await s.query<{ name: string }>(marked('SELECT current_database() AS name'));
          this.learn(r.rows[0]!.name, t.url);
        } finally {
          await s.close();
        }
      } catch {
        // Unreachable now; asked again next time.
      }
      const found = this.#urls.get(name);
      if (found) return found;
    }
    return null;
  }
}
