import assert from 'node:assert/strict';
import type { Db } from '../../src/store/db.js';
import type { HttpCase, HttpRoute } from './fuzz-http.js';

/** What the HTTP fuzzer drives: a running engine's HTTP server and its database. */
export interface HttpFuzzEnv {
  /** Base URL, e.g. `http://127.0.0.1:4321`. */
  readonly http: string;
  readonly db: Db;
  /** Sends one valid snapshot on the bus (the engine must keep storing while it is fuzzed over HTTP). */
  companion(): void;
}

/** Tallies of one route's run. */
export interface HttpCounts {
  cases: number;
  /** Answers by status class, e.g. `{ "2xx": 10, "4xx": 90 }`, and by error code. */
  byStatus: Record<string, number>;
  byCode: Record<string, number>;
}

/** 5xx answers allowed for a request that is well formed but cannot be served, by code. */
const ALLOWED_5XX: Readonly<Record<string, number>> = { tool_missing: 501, busy: 503 };

/** What an error body must not show: stack frames, file positions, PostgreSQL's own messages. */
const LEAKS = [
  /\bat [^\s]+ \(?[^\s]*:\d+:\d+\)?/, /node:internal/, /\.(ts|js|mjs|cjs):\d+/, /\bstack\b/i,
  /relation "|syntax error at|violates .* constraint|invalid input syntax|out of range for type|SQLSTATE|duplicate key|column "[^"]+" does not exist|canceling statement/i,
];

/** The rows a rejected state-changing request must leave as they were. */
const STATE_SQL = `SELECT md5(concat_ws('#',
  (SELECT string_agg(t::text, '|' ORDER BY t::text) FROM alert_silences t),
  (SELECT string_agg(concat_ws(',', alert_id, acknowledged_by, acknowledged_at), '|' ORDER BY alert_id) FROM alerts),
  (SELECT string_agg(t::text, '|' ORDER BY t::text) FROM optimizations t),
  (SELECT string_agg(t::text, '|' ORDER BY t::text) FROM optimization_transitions t),
  (SELECT string_agg(report_id::text, '|' ORDER BY report_id) FROM reports),
  (SELECT string_agg(concat_ws(',', profile_id, status), '|' ORDER BY profile_id) FROM performance_profiles))) AS h`;

/** The valid requests sent between generated ones, in turn, and what each must answer. */
const VALID = ['/api/v1/sources', '/api/v1/status', '/healthz', '/api/v1/alerts?limit=5'] as const;

/**
 * Sends generated requests to one route at a time over real HTTP and checks each answer: no 5xx,
 * the error shape with a message, nothing leaked, nothing stored by a refused state-changing
 * request; after each one a valid request must still be answered 200 and a snapshot is published.
 */
export class HttpFuzzDriver {
  readonly counts = new Map<string, HttpCounts>();
  #valid = 0;

  constructor(private readonly env: HttpFuzzEnv) {}

  async one(route: HttpRoute, c: HttpCase): Promise<number> {
    const changesState = route.method !== 'GET';
    const before = changesState ? await this.#state() : null;
    const { status, type, text } = await this.#send(c);
    const where = `${c.kind} -> ${status} ${text.slice(0, 300)} [${c.method} ${c.url.slice(0, 200)}]`;
    const code = checkAnswer(route, c, status, type, text, where);
    const t = this.#tally(`${route.method} ${route.path}`);
    t.cases++;
    t.byStatus[`${Math.floor(status / 100)}xx`] = (t.byStatus[`${Math.floor(status / 100)}xx`] ?? 0) + 1;
    if (code) t.byCode[code] = (t.byCode[code] ?? 0) + 1;
    if (before !== null && status >= 400) assert.equal(await this.#state(), before, `a refused request changed stored state: ${where}`);
    if (route.path === '/api/v1/profiles' && status === 202) await this.#awaitProfile(JSON.parse(text) as { profile_id: string });
    await this.#validRequest(where);
    this.env.companion();
    return status;
  }

  async #send(c: HttpCase): Promise<{ status: number; type: string; text: string }> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 30_000);
    try {
      const res = await fetch(`${this.env.http}${c.url}`, { method: c.method, headers: c.headers, ...(c.body !== undefined ? { body: c.body } : {}), signal: ac.signal, redirect: 'manual' });
      const type = res.headers.get('content-type') ?? '';
      // A live feed (server-sent events) never ends: its status and type are the answer.
      if (type.startsWith('text/event-stream')) {
        ac.abort();
        return { status: res.status, type, text: '' };
      }
      return { status: res.status, type, text: await res.text() };
    } finally {
      clearTimeout(timer);
    }
  }

  async #validRequest(after: string): Promise<void> {
    const url = VALID[this.#valid++ % VALID.length]!;
    const res = await fetch(`${this.env.http}${url}`);
    await res.arrayBuffer();
    assert.equal(res.status, 200, `valid GET ${url} answered ${res.status} after ${after}`);
  }

  async #state(): Promise<string> {
    return (await this.env.db.query<{ h: string }>(STATE_SQL)).rows[0]!.h;
  }

  /** An accepted profile ends as a stored row: wait for it, so the next case's state check is not disturbed. */
  async #awaitProfile(started: { profile_id: string }): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const r = await this.env.db.query('SELECT 1 FROM performance_profiles WHERE profile_id = $1', [started.profile_id]);
      if (r.rows.length > 0) return;
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.fail(`accepted profile ${started.profile_id} never stored`);
  }

  #tally(name: string): HttpCounts {
    let t = this.counts.get(name);
    if (!t) this.counts.set(name, (t = { cases: 0, byStatus: {}, byCode: {} }));
    return t;
  }
}

/** Checks one answer; returns its error code (Prometheus's errorType under `/prometheus`), if any. */
export function checkAnswer(route: HttpRoute, c: HttpCase, status: number, type: string, text: string, where: string): string | undefined {
  if (status >= 200 && status < 400) {
    if (route.path.startsWith('/assets/')) assert.ok(!text.includes('"devDependencies"') && !text.includes('root:'), `a file outside the assets was served: ${where}`);
    return undefined;
  }
  assert.ok(type.startsWith('application/json'), `error answer is not JSON (${type}): ${where}`);
  const body = JSON.parse(text) as Record<string, unknown>;
  let code: string;
  let message: string;
  if (route.path.startsWith('/prometheus/')) {
    assert.deepEqual(Object.keys(body).sort(), ['error', 'errorType', 'status'], `not Prometheus's error shape: ${where}`);
    assert.equal(body.status, 'error', where);
    code = String(body.errorType);
    message = String(body.error);
  } else {
    assert.deepEqual(Object.keys(body), ['error'], `not the error shape: ${where}`);
    const e = body.error as Record<string, unknown>;
    assert.deepEqual(Object.keys(e).sort(), ['code', 'message'], `not the error shape: ${where}`);
    code = String(e.code);
    message = String(e.message);
  }
  assert.ok(code.length > 0 && message.length >= 10, `no code or no message saying what was wrong: ${where}`);
  if (status >= 500) assert.equal(ALLOWED_5XX[code], status, `5xx for a request: ${where}`);
  for (const leak of LEAKS) assert.ok(!leak.test(message.replace(c.url, '')), `the answer leaks internals (${leak}): ${where}`);
  return code;
}
