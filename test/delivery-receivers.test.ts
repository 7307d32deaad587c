import { createServer, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReceiverConfig } from '../src/config/delivery-schema.js';
import { DeliveryStage, type DeliverySettings } from '../src/notify/stage/delivery-stage.js';
import type { Db } from '../src/store/db.js';
import { encodeJson } from '../src/wire/json.js';
import { SUBJECTS } from '../src/wire/subjects.js';
import { deadUrl, startHttpReceiver, type HttpReceiver } from './helpers/http-receiver.js';
import { quietLogger, testDatabase, waitFor } from './helpers/services.js';

let database: { db: Db; drop(): Promise<void> };
const cleanup: (() => Promise<void>)[] = [];
beforeAll(async () => {
  database = await testDatabase();
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});
afterAll(async () => database?.drop());

const settings = (receivers: ReceiverConfig[], over: Partial<DeliverySettings> = {}): DeliverySettings => ({
  receivers,
  retentionDays: 30,
  retry: { maxAttempts: 4, initialMs: 50, maxMs: 200 },
  timeoutMs: 2000,
  resendMs: 60_000,
  externalUrl: 'http://engine.test:9477',
  queueMax: 100,
  ...over,
});

let seq = 0;
/** A fresh alert id (each test its own findings). */
const newId = () => `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;

function alert(id: string, state: 'firing' | 'resolved', source = 'order-agent-1') {
  const body = {
    alert_id: id,
    state,
    severity: 'critical',
    source,
    metric: 'cpu_usage',
    value: 95,
    threshold: 90,
    started_at: '2026-11-25T10:00:00.000Z',
    fired_at: '2026-11-25T10:00:30.000Z',
    resolved_at: state === 'resolved' ? '2026-11-25T10:05:00.000Z' : null,
    message: `${source} cpu_usage at 95`,
    rule: 'threshold',
  };
  return { subject: SUBJECTS.alert, payload: encodeJson(body) };
}

async function startStage(s: DeliverySettings, log = quietLogger()): Promise<DeliveryStage> {
  const stage = new DeliveryStage({ db: database.db, log, settings: s });
  await stage.start();
  cleanup.push(() => stage.stop());
  return stage;
}

async function receiver(statuses: number[] = [], answerDelayMs = 0): Promise<HttpReceiver> {
  const r = await startHttpReceiver(statuses, answerDelayMs);
  cleanup.push(() => r.close());
  return r;
}

/** A receiver that accepts connections and never answers: every attempt runs into the timeout. */
async function silentReceiver(): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/services/T0/B0/secret`;
}

type Body = { status: string; alerts: { status: string; labels: Record<string, string> }[] };
const statesOf = (bodies: unknown[]) => bodies.flatMap((b) => (b as Body).alerts.map((a) => `${a.labels.finding_id} ${a.status}`));
const stats = (stage: DeliveryStage, name: string) => stage.status().receivers.find((r) => r.name === name)!;

describe('delivery to webhooks over HTTP', () => {
  it('delivers a firing alert and its resolution exactly once each, though each was offered twice', async () => {
    const hook = await receiver();
    const stage = await startStage(settings([{ name: 'hook', type: 'webhook', url: hook.url, group_wait_seconds: 0.05, group_interval_seconds: 0.1 }]));
    const id = newId();
    stage.offer(alert(id, 'firing'));
    stage.offer(alert(id, 'firing'));
    await waitFor(() => hook.accepted().length === 1);
    stage.offer(alert(id, 'resolved'));
    stage.offer(alert(id, 'resolved'));
    await waitFor(() => hook.accepted().length === 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(statesOf(hook.accepted())).toEqual([`${id} firing`, `${id} resolved`]);
    expect(hook.received.map((r) => r.path)).toEqual(['/hook', '/hook']);
    expect(stats(stage, 'hook')).toMatchObject({ sent: 2, duplicates: 2, dead_letters: 0, queued: 0 });
  });

  it('groups the notices of one source that arrive within the wait into one body', async () => {
    const hook = await receiver();
    const stage = await startStage(settings([{ name: 'hook', type: 'webhook', url: hook.url, group_wait_seconds: 0.3, group_by: ['source'] }]));
    const [a, b, c] = [newId(), newId(), newId()];
    stage.offer(alert(a, 'firing', 'pay-1'));
    stage.offer(alert(b, 'firing', 'pay-1'));
    stage.offer(alert(c, 'firing', 'web-1'));
    await waitFor(() => hook.accepted().length === 2);
    const bodies = hook.accepted() as (Body & { groupLabels: Record<string, string> })[];
    expect(bodies.map((x) => [x.groupLabels.source, x.alerts.length]).sort()).toEqual([['pay-1', 2], ['web-1', 1]]);
  });

  it('holds at most delivery_queue_max notices per receiver, dropping the oldest and counting it', async () => {
    const hook = await receiver();
    const stage = await startStage(settings([{ name: 'small', type: 'webhook', url: hook.url, group_wait_seconds: 0.3 }], { queueMax: 2 }));
    const [a, b, c] = [newId(), newId(), newId()];
    for (const id of [a, b, c]) stage.offer(alert(id, 'firing'));
    expect(stats(stage, 'small')).toMatchObject({ queued: 2, dropped: 1 });
    await waitFor(() => hook.accepted().length === 1);
    expect(statesOf(hook.accepted())).toEqual([`${b} firing`, `${c} firing`]);
    await waitFor(async () => (await database.db.query("SELECT 1 FROM delivery_log WHERE finding_id = $1 AND status = 'dead'", [a])).rowCount === 1);
  });

  it('retries a receiver that fails (500, then OK) and delivers once', async () => {
    const hook = await receiver([500]);
    const stage = await startStage(settings([{ name: 'flaky', type: 'webhook', url: hook.url, group_wait_seconds: 0 }]));
    const id = newId();
    stage.offer(alert(id, 'firing'));
    await waitFor(() => hook.accepted().length === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(hook.received.map((r) => r.status)).toEqual([500, 200]);
    expect(statesOf(hook.accepted())).toEqual([`${id} firing`]);
    expect(stats(stage, 'flaky')).toMatchObject({ sent: 1, failed_attempts: 1, dead_letters: 0, last_error: 'HTTP 500: receiver says no' });
  });

  it('counts dead letters of dead receivers, logs one line per receiver, and holds up no other receiver', async () => {
    const healthy = await receiver();
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'warn' }, new Writable({ write: (c: Buffer, _e, cb) => (lines.push(JSON.parse(c.toString()) as Record<string, unknown>), cb()) }));
    const hangUrl = await silentReceiver();
    const stage = await startStage(
      settings(
        [
          { name: 'refused', type: 'webhook', url: await deadUrl(), group_wait_seconds: 0, group_by: ['source'] },
          { name: 'silent', type: 'slack', url: hangUrl, group_wait_seconds: 0 },
          { name: 'healthy', type: 'webhook', url: healthy.url, group_wait_seconds: 0 },
        ],
        { retry: { maxAttempts: 3, initialMs: 20, maxMs: 50 }, timeoutMs: 500 },
      ),
      log,
    );
    const [a, b] = [newId(), newId()];
    stage.offer(alert(a, 'firing', 'pay-1'));
    stage.offer(alert(b, 'firing', 'web-1'));
    await waitFor(() => healthy.accepted().length >= 1);
    expect(stats(stage, 'silent').dead_letters).toBe(0);
    await waitFor(() => stats(stage, 'refused').dead_letters === 2 && stats(stage, 'silent').dead_letters === 2);
    expect(statesOf(healthy.accepted()).sort()).toEqual([`${a} firing`, `${b} firing`].sort());
    expect(stats(stage, 'refused')).toMatchObject({ sent: 0, requests: 6, failed_attempts: 6 });
    expect(stats(stage, 'refused').last_error).toMatch(/ECONNREFUSED/);
    expect(stats(stage, 'silent').last_error).toMatch(/timeout|abort/i);
    expect(stage.status().dead_letters).toBe(4);
    const failures = lines.filter((l) => l.msg === 'delivery failed');
    expect(failures.map((l) => l.receiver).sort()).toEqual(['refused', 'silent']);
    expect(JSON.stringify(lines)).not.toContain(hangUrl);
    const rows = await database.db.query<{ receiver: string; status: string; attempts: number }>(
      "SELECT receiver, status, attempts FROM delivery_log WHERE finding_id = $1 ORDER BY receiver",
      [a],
    );
    expect(rows.rows).toEqual([
      { receiver: 'healthy', status: 'sent', attempts: 0 },
      { receiver: 'refused', status: 'dead', attempts: 3 },
      { receiver: 'silent', status: 'dead', attempts: 3 },
    ]);
  });
});

describe('the delivery journal across restarts', () => {
  it('sends after the next start what was still queued at stop, and never again what was delivered', async () => {
    const hook = await receiver([503]);
    const conf = (wait: number): ReceiverConfig[] => [{ name: 'restart-hook', type: 'webhook', url: hook.url, group_wait_seconds: wait }];
    const first = new DeliveryStage({ db: database.db, log: quietLogger(), settings: settings(conf(3600)) });
    await first.start();
    const [queued, delivered] = [newId(), newId()];
    first.offer(alert(queued, 'firing'));
    await first.stop();
    expect(hook.received.map((r) => r.status)).toEqual([503]);

    const second = await startStage(settings(conf(0)));
    await waitFor(() => hook.accepted().length === 1);
    second.offer(alert(delivered, 'firing', 'pay-1'));
    await waitFor(() => hook.accepted().length === 2);
    await second.stop();

    const third = await startStage(settings(conf(0)));
    third.offer(alert(queued, 'firing'));
    third.offer(alert(delivered, 'firing', 'pay-1'));
    third.offer(alert(delivered, 'resolved', 'pay-1'));
    await waitFor(() => hook.accepted().length === 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(statesOf(hook.accepted())).toEqual([`${queued} firing`, `${delivered} firing`, `${delivered} resolved`]);
    expect(stats(third, 'restart-hook')).toMatchObject({ duplicates: 2, sent: 1 });
  });

  it('lets a request under way at stop finish, so a notice the receiver already has is not sent again', async () => {
    // The receiver has the notice at once and answers 400 ms later: the stop comes in between.
    const hook = await receiver([], 400);
    const conf: ReceiverConfig[] = [{ name: 'slow-answer', type: 'webhook', url: hook.url, group_wait_seconds: 0 }];
    const first = await startStage(settings(conf));
    const id = newId();
    first.offer(alert(id, 'firing'));
    await waitFor(() => hook.received.length === 1);
    await first.stop();
    expect(stats(first, 'slow-answer')).toMatchObject({ sent: 1, requests: 1 });
    const second = await startStage(settings(conf));
    second.offer(alert(id, 'firing'));
    await new Promise((r) => setTimeout(r, 600));
    expect(hook.received).toHaveLength(1);
    expect(stats(second, 'slow-answer')).toMatchObject({ duplicates: 1, requests: 0 });
  });

  it('stops without waiting for a hanging request, and keeps its notices for the next start', async () => {
    const url = await silentReceiver();
    const stage = new DeliveryStage({ db: database.db, log: quietLogger(), settings: settings([{ name: 'hang', type: 'webhook', url, group_wait_seconds: 0 }], { timeoutMs: 120_000 }) });
    await stage.start();
    const id = newId();
    stage.offer(alert(id, 'firing'));
    await waitFor(() => stats(stage, 'hang').requests === 1);
    // The request would time out after 120 s; the stop ends it, and the last attempt gets at most 5 s.
    await Promise.race([stage.stop(), new Promise((_, reject) => setTimeout(() => reject(new Error('stop waited for the request')), 30_000))]);
    const rows = await database.db.query<{ status: string }>('SELECT status FROM delivery_log WHERE finding_id = $1', [id]);
    expect(rows.rows).toEqual([{ status: 'pending' }]);
    expect(stats(stage, 'hang')).toMatchObject({ dead_letters: 0, failed_attempts: 0 });
  });

  it('re-posts firing alerts to Alertmanager every resend interval, after a restart too, until their resolution', async () => {
    const am = await receiver();
    const conf: ReceiverConfig[] = [{ name: 'am-resend', type: 'alertmanager', url: am.url.replace(/\/hook$/, '') }];
    const s = settings(conf, { resendMs: 100 });
    const first = await startStage(s);
    const [kept, ended] = [newId(), newId()];
    first.offer(alert(kept, 'firing'));
    first.offer(alert(ended, 'firing', 'pay-1'));
    const posted = (id: string) => am.accepted().filter((b) => JSON.stringify(b).includes(id)).length;
    await waitFor(() => posted(kept) >= 3 && posted(ended) >= 3);
    first.offer(alert(ended, 'resolved', 'pay-1'));
    await waitFor(() => stats(first, 'am-resend').open === 1);
    await first.stop();
    expect(am.received.every((r) => r.path === '/api/v2/alerts')).toBe(true);

    const before = [posted(kept), posted(ended)];
    const second = await startStage(s);
    expect(stats(second, 'am-resend').open).toBe(1);
    await waitFor(() => posted(kept) >= before[0]! + 2);
    expect(posted(ended)).toBe(before[1]);
    const last = am.accepted().at(-1) as { labels: Record<string, string>; endsAt: string }[];
    expect(last.map((a) => a.labels.finding_id)).toEqual([kept]);
    expect(Date.parse(last[0]!.endsAt)).toBeGreaterThan(Date.now());
  });
});
