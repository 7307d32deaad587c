import type { Notice } from '../notice.js';
import type { Queryable } from '../../store/db.js';

/** What a channel records about its notices (docs/delivery.md, table `delivery_log`). */
export interface DeliveryJournal {
  /** Delivered; `open` are the finding ids whose last firing notice Alertmanager must keep receiving. */
  sent(receiver: string, notices: readonly Notice[], open: ReadonlySet<string>): Promise<void>;
  /** Dead letters: every attempt failed, or the receiver refused them. */
  dead(receiver: string, notices: readonly Notice[], error: string, attempts: number): Promise<void>;
  /** Still queued at shutdown: delivered after the next start. */
  pending(receiver: string, notices: readonly Notice[]): Promise<void>;
}

/** What a channel starts from: keys already delivered, findings to keep alive, notices left at shutdown. */
export interface JournalState {
  readonly done: readonly string[];
  readonly open: readonly Notice[];
  readonly pending: readonly Notice[];
}

/** Rows loaded per receiver at most, newest first: enough to tell what was delivered recently. */
const DONE_LOADED = 10_000;

/** Writes `notices` of `receiver` with `status`; `open` marks the rows kept alive. */
async function upsert(db: Queryable, receiver: string, notices: readonly Notice[], status: string, open: ReadonlySet<string>, error: string | null, attempts: number) {
  if (notices.length === 0) return;
  const last = new Map(notices.map((n) => [n.id, n.key]));
  await db.query(
    `INSERT INTO delivery_log (receiver, notice_key, status, finding_id, notice, open, attempts, error, updated_at)
     SELECT $1, k, $2, f, n, o, $3, $4, now()
     FROM unnest($5::text[], $6::text[], $7::jsonb[], $8::boolean[]) AS t(k, f, n, o)
     ON CONFLICT (receiver, notice_key) DO UPDATE
       SET status = EXCLUDED.status, notice = EXCLUDED.notice, open = EXCLUDED.open,
           attempts = EXCLUDED.attempts, error = EXCLUDED.error, updated_at = now()
       WHERE delivery_log.status <> 'sent'`,
    [
      receiver,
      status,
      attempts,
      error,
      notices.map((n) => n.key),
      notices.map((n) => n.id),
      notices.map((n) => JSON.stringify(n)),
      notices.map((n) => open.has(n.id) && last.get(n.id) === n.key),
    ],
  );
}

/** The journal in the `delivery_log` table. */
export function tableJournal(db: Queryable): DeliveryJournal {
  const closeOpen = (receiver: string, notices: readonly Notice[]) =>
    db.query('UPDATE delivery_log SET open = false WHERE receiver = $1 AND finding_id = ANY($2::text[]) AND open', [receiver, [...new Set(notices.map((n) => n.id))]]);
  return {
    async sent(receiver, notices, open) {
      await closeOpen(receiver, notices);
      await upsert(db, receiver, notices, 'sent', open, null, 0);
    },
    async dead(receiver, notices, error, attempts) {
      const resolved = notices.filter((n) => n.state === 'resolved');
      if (resolved.length > 0) await closeOpen(receiver, resolved);
      await upsert(db, receiver, notices, 'dead', new Set(), error, attempts);
    },
    async pending(receiver, notices) {
      await upsert(db, receiver, notices, 'pending', new Set(), null, 0);
    },
  };
}

/** Loads what each receiver starts from. */
export async function loadJournal(db: Queryable, receiver: string): Promise<JournalState> {
  const done = await db.query<{ notice_key: string }>(
    `SELECT notice_key FROM delivery_log WHERE receiver = $1 AND status <> 'pending' ORDER BY updated_at DESC LIMIT ${DONE_LOADED}`,
    [receiver],
  );
  const open = await db.query<{ notice: Notice }>('SELECT notice FROM delivery_log WHERE receiver = $1 AND open ORDER BY updated_at', [receiver]);
  const pending = await db.query<{ notice: Notice }>(`SELECT notice FROM delivery_log WHERE receiver = $1 AND status = 'pending' ORDER BY updated_at`, [receiver]);
  return { done: done.rows.map((r) => r.notice_key).reverse(), open: open.rows.map((r) => r.notice), pending: pending.rows.map((r) => r.notice) };
}

/** Removes journal rows older than the retention; returns how many. */
export async function pruneJournal(db: Queryable, retentionDays: number): Promise<number> {
  const r = await db.query('DELETE FROM delivery_log WHERE updated_at < now() - make_interval(days => $1)', [retentionDays]);
  return r.rowCount;
}
