import type { Logger } from 'pino';
import type { Notification } from '../../alert/notification-queue.js';
import { encodeJson } from '../../wire/json.js';
import { SUBJECTS } from '../../wire/subjects.js';
import type { Queryable } from '../../store/db.js';
import type { BottleneckRecord } from '../bottleneck-record.js';
import { detectedMessage } from '../bottleneck-message.js';
import { insertBottleneck, updateBottleneck } from './bottleneck-repo.js';

/** A bottleneck whose latest write failed: written again later, oldest first. */
interface Unsaved {
  /** Its latest version (what the row must hold). */
  record: BottleneckRecord;
  /** The version that opened it, while its row does not exist yet (its detection is not published). */
  opening: BottleneckRecord | null;
  /** Messages held until the row exists (updates that followed the unsaved opening). */
  readonly held: Notification[];
}

/** What the writer counts, for `status`. */
export interface WriterStats {
  readonly refusedOpens: number;
  readonly writeErrors: number;
  /** Bottlenecks whose latest version is not in the database yet (retried every few seconds). */
  readonly unsaved: number;
  /** Unsaved bottlenecks given up on because too many were waiting. */
  readonly dropped: number;
  readonly lastError: string | null;
}

/** Adds evidence to a bottleneck just stored (the automatic profile), or returns null. */
export type OnStored = (r: BottleneckRecord) => Record<string, unknown> | null;

const MAX_UNSAVED = 10_000;
export const RETRY_MS = 5_000;

/**
 * Stores bottleneck versions in order and says what to publish once each is stored: the detection
 * of a bottleneck only after its row exists (so a restart continues it and never publishes it twice),
 * its updates after their write (or despite a failed one: peers already hold the bottleneck). A
 * failed write is not lost: the bottleneck's latest version is written again by `retry`, oldest
 * first, before any new opening (a resolution the database missed would otherwise refuse it), and
 * an opening's detection and what followed it are published when its row finally exists. An
 * opening the database refuses (its source already has an active bottleneck, e.g. from another
 * engine) is never published, nor are its later versions.
 */
export class BottleneckWriter {
  readonly #unsaved = new Map<string, Unsaved>();
  readonly #refused = new Set<string>();
  #refusedOpens = 0;
  #writeErrors = 0;
  #dropped = 0;
  #lastError: string | null = null;

  constructor(
    private readonly db: Queryable,
    private readonly log: Logger,
    private readonly onStored: OnStored,
  ) {}

  /** A bottleneck opened: returns what to publish. */
  async opened(r: BottleneckRecord): Promise<Notification[]> {
    const out = await this.retry();
    try {
      if (await insertBottleneck(this.db, r)) return [...out, ...(await this.#stored(r, r))];
      this.#refuse(r);
    } catch (err) {
      this.#fail(err, 'saving a new bottleneck failed; it is published once saved');
      this.#keep(r.id, { record: r, opening: r, held: [] });
    }
    return out;
  }

  /** A later version (update or resolution) with its messages: returns what to publish now. */
  async changed(r: BottleneckRecord, messages: readonly Notification[]): Promise<Notification[]> {
    if (this.#refused.has(r.id)) {
      if (r.status !== 'active') this.#refused.delete(r.id);
      return [];
    }
    const u = this.#unsaved.get(r.id);
    if (u !== undefined) {
      u.record = r;
      if (u.opening !== null) {
        u.held.push(...messages);
        return [];
      }
      return [...messages];
    }
    try {
      if (!(await updateBottleneck(this.db, r))) this.log.warn({ bottleneck_id: r.id, source: r.source }, 'bottleneck row missing (deleted by hand?): the update is published but not stored');
    } catch (err) {
      this.#fail(err, 'saving a bottleneck update failed; published anyway, saved later');
      this.#keep(r.id, { record: r, opening: null, held: [] });
    }
    return [...messages];
  }

  /** Writes unsaved bottlenecks again, oldest first, stopping at the first failure; returns what became publishable. */
  async retry(): Promise<Notification[]> {
    const out: Notification[] = [];
    for (const [id, u] of this.#unsaved) {
      try {
        if (u.opening === null) {
          await updateBottleneck(this.db, u.record);
        } else if (await insertBottleneck(this.db, u.record)) {
          out.push(...(await this.#stored(u.opening, u.record)), ...u.held);
        } else {
          this.#refuse(u.record);
        }
        this.#unsaved.delete(id);
      } catch (err) {
        this.#writeErrors++;
        this.#lastError = `saving a bottleneck again: ${String(err)}`;
        this.log.debug({ err, unsaved: this.#unsaved.size }, 'saving bottlenecks again failed; retried later');
        break;
      }
    }
    if (out.length > 0) this.log.info({ unsaved: this.#unsaved.size }, 'bottlenecks saved after failed writes');
    return out;
  }

  get pending(): number {
    return this.#unsaved.size;
  }

  stats(): WriterStats {
    return { refusedOpens: this.#refusedOpens, writeErrors: this.#writeErrors, unsaved: this.#unsaved.size, dropped: this.#dropped, lastError: this.#lastError };
  }

  /** The row of `opening` exists (holding `latest`): adds the stage's evidence, returns the detection to publish. */
  async #stored(opening: BottleneckRecord, latest: BottleneckRecord): Promise<Notification[]> {
    let extra: Record<string, unknown> | null = null;
    try {
      if (latest.status === 'active') extra = this.onStored(latest);
    } catch (err) {
      // The row exists: whatever the hook does, the detection is published.
      this.log.warn({ err, bottleneck_id: latest.id }, 'adding evidence to a stored bottleneck failed');
    }
    let published = opening;
    if (extra !== null) {
      published = { ...opening, evidence: { ...opening.evidence, ...extra } };
      await updateBottleneck(this.db, { ...latest, evidence: { ...latest.evidence, ...extra } }).catch((err: unknown) => {
        this.log.warn({ err }, 'saving the automatic profile of a bottleneck failed; it is kept with its next version');
      });
    }
    return [{ subject: SUBJECTS.bottleneckDetected, payload: encodeJson(detectedMessage(published)) }];
  }

  #refuse(r: BottleneckRecord): void {
    this.#refusedOpens++;
    if (r.status === 'active') this.#refused.add(r.id);
    this.log.warn({ source: r.source, kind: r.kind }, 'bottleneck not published: the source already has an active one in the database');
  }

  #keep(id: string, u: Unsaved): void {
    if (this.#unsaved.size >= MAX_UNSAVED) {
      const [oldest, lost] = this.#unsaved.entries().next().value!;
      this.#unsaved.delete(oldest);
      this.#dropped++;
      this.log.error({ bottleneck_id: oldest, source: lost.record.source }, 'too many unsaved bottlenecks: the oldest is given up');
    }
    this.#unsaved.set(id, u);
  }

  #fail(err: unknown, message: string): void {
    this.#writeErrors++;
    this.#lastError = `saving a bottleneck: ${String(err)}`;
    this.log.error({ err }, message);
  }
}
