import 'uplot/dist/uPlot.min.css';
import './style.css';
import { api, ApiFailure, type Alert, type Anomaly, type Bottleneck, type LiveSnapshot, type Profile, type Series } from './api.js';
import { beforeAfter, MetricChart, sparkline, type Mark } from './charts.js';
import { tokenControl } from './auth.js';
import { badge, fill, fmt, h, link, onRerender, when } from './dom.js';
import { evidenceTable, inlineParams } from './evidence.js';
import { diffPage, profilePage, profilesPage, profileTable } from './profiles.js';
import { reportsSection } from './reports.js';
import type { EventStream } from './sse.js';

const liveState = document.getElementById('live-state')!;
const ago = (ms: number) => (ms < 60_000 ? `${Math.round(ms / 1000)} s ago` : ms < 3_600_000 ? `${Math.round(ms / 60_000)} min ago` : `${Math.round(ms / 3_600_000)} h ago`);
const SEVERITY_COLOUR: Record<string, string> = { critical: '#ff4d4f', warning: '#faad14', info: '#5ab0ff' };

/** Ranges a source page offers, in ms. */
const RANGES: [string, number][] = [
  ['5m', 300_000],
  ['15m', 900_000],
  ['1h', 3_600_000],
  ['6h', 21_600_000],
  ['24h', 86_400_000],
  ['7d', 604_800_000],
  ['30d', 2_592_000_000],
];
/** Metrics shown first, when a source has them. */
const PREFERRED = ['cpu_percent', 'cpu_usage_percent', 'event_loop_lag_p99_ms', 'event_loop_lag_ms', 'event_loop_utilization', 'heap_used_bytes', 'memory_rss_bytes', 'http_latency_p95_ms', 'requests_per_sec', 'error_rate'];

function pickMetrics(all: readonly string[], n: number): string[] {
  const score = (m: string) => {
    const i = PREFERRED.findIndex((p) => m === p || m.startsWith(p));
    return i < 0 ? PREFERRED.length : i;
  };
  return [...all].sort((a, b) => score(a) - score(b) || a.localeCompare(b)).slice(0, n);
}

// ---- live data: one stream per page, closed when the page changes ----
let stream: EventStream | null = null;
let liveCount = 0;
function live(onBatch: (b: LiveSnapshot[]) => void, source?: string): void {
  stream?.close();
  stream = api.live(
    (batch) => {
      liveCount++;
      liveState.textContent = `● live (${liveCount})`;
      liveState.dataset.updates = String(liveCount);
      onBatch(batch);
    },
    (open) => {
      liveState.className = open ? 'on' : 'off';
      liveState.textContent = open ? (liveCount ? `● live (${liveCount})` : '● live, waiting for data') : '○ reconnecting';
    },
    source,
  );
}
let cleanup: (() => void)[] = [];

function alertMarks(alerts: readonly Alert[], metric?: string): Mark[] {
  return alerts
    .filter((a) => !metric || a.metric === metric)
    .map((a) => ({ from: Date.parse(a.fired_at ?? a.started_at) / 1000, to: a.resolved_at ? Date.parse(a.resolved_at) / 1000 : null, label: `alert ${a.severity}`, color: SEVERITY_COLOUR[a.severity] ?? '#faad14' }));
}
function anomalyMarks(anomalies: readonly Anomaly[], metric: string): Mark[] {
  return anomalies.filter((a) => a.metric === metric).map((a) => ({ from: Date.parse(a.timestamp) / 1000, to: null, label: `anomaly ${a.score.toFixed(2)}`, color: '#ff7ab6', value: a.value }));
}
function bottleneckMarks(bs: readonly Bottleneck[]): Mark[] {
  return bs.map((b) => ({ from: Date.parse(b.started_at) / 1000, to: b.resolved_at ? Date.parse(b.resolved_at) / 1000 : null, label: b.kind, color: '#c77dff' }));
}

/** Two charts a row: half the grid less the gap and each chart's padding. */
const chartWidth = (grid: HTMLElement) => Math.max(320, Math.floor((grid.clientWidth - 16) / 2) - 12);

// ---- pages ----
async function overview(): Promise<void> {
  const [status, sources, open, firing] = await Promise.all([api.status(), api.sources(), api.bottlenecks({ active: true }), api.alerts('firing').catch(() => [] as Alert[])]);
  const now = Date.now();
  const rows = new Map<string, { health: HTMLElement; seen: HTMLElement; sparks: Map<string, { el: HTMLElement; s: Series; chart?: ReturnType<typeof sparkline> }> }>();
  const table = h('table.sources', { id: 'sources' }, h('thead', {}, h('tr', {}, ...['source', 'host', 'health', 'open bottlenecks', 'firing alerts', 'last seen', 'recent (15 min)'].map((t) => h('th', {}, t)))));
  const body = h('tbody');
  table.append(body);
  for (const s of sources) {
    const health = h('td.health', {}, 'waiting');
    const seen = h('td', {}, ago(now - Date.parse(s.lastSeen)));
    const sparkCell = h('td.sparks');
    const nb = open.filter((b) => b.source === s.source);
    const na = firing.filter((a) => a.source === s.source);
    body.append(
      h(
        'tr',
        { 'data-source': s.source },
        h('td', {}, link(`#/source/${encodeURIComponent(s.source)}`, s.source)),
        h('td', {}, s.host ?? '—'),
        health,
        h('td', {}, nb.length ? link(`#/bottleneck/${nb[0]!.bottleneck_id}`, `${nb.length} · ${nb[0]!.kind}`) : '0'),
        h('td', {}, na.length ? h('span.warn', {}, `${na.length} · ${na[0]!.metric}`) : '0'),
        seen,
        sparkCell,
      ),
    );
    rows.set(s.source, { health, seen, sparks: new Map() });
    void (async () => {
      const metrics = pickMetrics(await api.metrics(s.source), 3);
      for (const m of metrics) {
        const el = h('div.spark', { title: m }, h('span.spark-label', {}, m));
        sparkCell.append(el);
        const series = await api.series(s.source, m, now - 900_000, now, 300);
        rows.get(s.source)!.sparks.set(m, { el, s: series, chart: sparkline(el, series) });
      }
    })().catch(() => undefined);
  }
  fill(
    h('h1', {}, 'Overview'),
    h('p.muted', {}, `engine ${status.agent_id} · ${status.ready ? 'ready' : 'not ready'} · ${sources.length} sources · ${open.length} open bottlenecks · ${firing.length} firing alerts`),
    sources.length ? table : h('p', {}, 'No source has reported yet.'),
    h('h2', {}, 'Open bottlenecks'),
    bottleneckTable(open),
    h('h2', {}, 'Firing alerts'),
    alertTable(firing),
  );
  live((batch) => {
    for (const snap of batch) {
      const row = rows.get(snap.source);
      if (!row) continue;
      row.health.textContent = snap.health ?? 'reporting';
      row.health.className = `health h-${snap.health ?? 'ok'}`;
      row.seen.textContent = 'just now';
      for (const [m, spark] of row.sparks) {
        const v = snap.metrics[m];
        if (v === undefined || !spark.chart) continue;
        const t = snap.timestamp / 1000;
        if (spark.s.times.length && t <= spark.s.times.at(-1)!) continue;
        spark.s.times.push(t);
        spark.s.values.push(v);
        while (spark.s.times.length && spark.s.times[0]! < t - 900) {
          spark.s.times.shift();
          spark.s.values.shift();
        }
        spark.chart.setData([spark.s.times, spark.s.values]);
      }
    }
  });
}

function bottleneckTable(bs: readonly Bottleneck[]): HTMLElement {
  if (!bs.length) return h('p.muted', {}, 'None.');
  return h(
    'table.list',
    { id: 'bottlenecks' },
    h('thead', {}, h('tr', {}, ...['kind', 'source', 'severity', 'status', 'started', 'summary'].map((t) => h('th', {}, t)))),
    h(
      'tbody',
      {},
      ...bs.map((b) =>
        h('tr', {}, h('td', {}, link(`#/bottleneck/${b.bottleneck_id}`, b.kind)), h('td', {}, link(`#/source/${encodeURIComponent(b.source)}`, b.source)), h('td', {}, badge(b.severity)), h('td', {}, badge(b.status)), h('td', {}, when(b.started_at)), h('td', {}, b.summary)),
      ),
    ),
  );
}

function alertTable(as: readonly Alert[]): HTMLElement {
  if (!as.length) return h('p.muted', {}, 'None.');
  return h(
    'table.list',
    {},
    h('thead', {}, h('tr', {}, ...['source', 'metric', 'rule', 'severity', 'state', 'value', 'since', 'message'].map((t) => h('th', {}, t)))),
    h('tbody', {}, ...as.map((a) => h('tr', {}, h('td', {}, link(`#/source/${encodeURIComponent(a.source)}`, a.source)), h('td', {}, a.metric), h('td', {}, a.rule), h('td', {}, badge(a.severity)), h('td', {}, a.state), h('td', {}, fmt(a.value)), h('td', {}, when(a.fired_at ?? a.started_at)), h('td', {}, a.message)))),
  );
}

async function sourcePage(source: string, rangeName: string): Promise<void> {
  const range = RANGES.find(([n]) => n === rangeName) ?? RANGES[1]!;
  const now = Date.now();
  const from = now - range[1];
  const [metrics, alerts, bottlenecks, anomalies] = await Promise.all([
    api.metrics(source),
    api.alerts().catch(() => [] as Alert[]),
    api.bottlenecks({ source }),
    api.anomalies(source, from, now).catch(() => [] as Anomaly[]),
  ]);
  const mine = alerts.filter((a) => a.source === source);
  const picker = h('div.ranges', {}, 'range: ', ...RANGES.map(([n]) => h(`a${n === range[0] ? '.active' : ''}`, { href: `#/source/${encodeURIComponent(source)}/${n}` }, n)));
  const grid = h('div.charts', { id: 'charts' });
  fill(
    h('h1', {}, source),
    picker,
    h('p.muted', {}, `${metrics.length} metrics · ${bottlenecks.filter((b) => b.status !== 'resolved').length} open bottlenecks · ${mine.filter((a) => a.state === 'firing').length} firing alerts · ${anomalies.length} anomalies · alerts and bottlenecks are shaded on the charts, anomalies are dots · drag to zoom, double-click to reset`),
    grid,
    h('h2', {}, 'Bottlenecks'),
    bottleneckTable(bottlenecks),
    h('h2', {}, 'Alerts'),
    alertTable(mine),
  );
  const width = chartWidth(grid);
  const charts = new Map<string, MetricChart>();
  const shown = pickMetrics(metrics, 24);
  await Promise.all(
    shown.map(async (m) => {
      const el = h('div.chart', { 'data-metric': m });
      grid.append(el);
      const s = await api.series(source, m, from, now);
      const chart = new MetricChart(el, m, s, width);
      chart.setMarks([...bottleneckMarks(bottlenecks.filter((b) => !b.metric || b.metric === m || b.source === source)), ...alertMarks(mine, m), ...anomalyMarks(anomalies, m)]);
      charts.set(m, chart);
    }),
  );
  cleanup.push(() => charts.forEach((c) => c.destroy()));
  live((batch) => {
    for (const snap of batch) {
      if (snap.source !== source) continue;
      const t = snap.timestamp / 1000;
      for (const [m, chart] of charts) {
        const v = snap.metrics[m];
        if (v !== undefined) chart.push(t, v, (Date.now() - range[1]) / 1000);
      }
    }
  }, source);
}

async function bottlenecksPage(): Promise<void> {
  const bs = await api.bottlenecks({});
  fill(h('h1', {}, 'Bottlenecks'), bottleneckTable(bs));
}

async function bottleneckPage(id: string): Promise<void> {
  const b = await api.bottleneck(id);
  const start = Date.parse(b.started_at);
  const end = b.resolved_at ? Date.parse(b.resolved_at) : Date.now();
  const pad = Math.max(120_000, (end - start) / 2);
  const [alerts, profiles, optimizations, anomalies] = await Promise.all([
    api.alerts().catch(() => [] as Alert[]),
    api.profiles({ source: b.source }).catch(() => ({ running: [], profiles: [] as Profile[] })),
    api.optimizations(b.bottleneck_id).catch(() => null),
    api.anomalies(b.source, start - pad, Math.min(Date.now(), end + pad)).catch(() => [] as Anomaly[]),
  ]);
  const related = alerts.filter((a) => a.source === b.source && Date.parse(a.started_at) <= end + pad && (!a.resolved_at || Date.parse(a.resolved_at) >= start - pad));
  const ev = (t: number, what: string): [number, string] => [t, what];
  const timeline = [
    ev(start, 'started'),
    ev(Date.parse(b.detected_at), 'detected'),
    ev(Date.parse(b.updated_at), 'last updated'),
    ...(b.resolved_at ? [ev(Date.parse(b.resolved_at), `resolved (${b.resolve_reason ?? '—'})`)] : []),
    ...related.map((a) => ev(Date.parse(a.fired_at ?? a.started_at), `alert ${a.severity}: ${a.message}`)),
    ...profiles.profiles.filter((p) => Math.abs(Date.parse(p.started_at) - start) < 2 * pad + (end - start)).map((p) => ev(Date.parse(p.started_at), `profile ${p.kind} (${p.trigger})`)),
  ].sort((x, y) => x[0] - y[0]);
  const charts = h('div.charts', { id: 'bottleneck-charts' });
  const optimisationBlock = h('div', { id: 'optimizations' });
  if (!optimizations || optimizations.length === 0) optimisationBlock.append(h('p.muted', {}, 'None yet.'));
  fill(
    h('h1', {}, `${b.kind} on `, link(`#/source/${encodeURIComponent(b.source)}`, b.source)),
    h('p', {}, badge(b.severity), ' ', badge(b.status), ' ', b.summary),
    h('h2', {}, 'Evidence'),
    evidenceTable(b.evidence, b.metric ?? '', 0, 'evidence'),
    h('h2', {}, 'Charts'),
    charts,
    h('h2', {}, 'Timeline'),
    h('ol.timeline', {}, ...timeline.map(([t, what]) => h('li', {}, h('time', {}, new Date(t).toLocaleString()), ' ', what))),
    h('h2', {}, 'Related sources'),
    b.related_sources.length
      ? h('table.list', {}, h('thead', {}, h('tr', {}, ...['source', 'relation', 'kind', 'metric', 'value', 'baseline', 'ratio'].map((t) => h('th', {}, t)))), h('tbody', {}, ...b.related_sources.map((r) => h('tr', {}, h('td', {}, link(`#/source/${encodeURIComponent(r.source)}`, r.source)), h('td', {}, r.relation), h('td', {}, r.kind), h('td', {}, r.metric), h('td', {}, fmt(r.value)), h('td', {}, fmt(r.baseline)), h('td', {}, fmt(r.ratio))))))
      : h('p.muted', {}, 'None.'),
    h('h2', {}, 'Recommendations'),
    b.recommendations.length ? h('ul', { id: 'recommendations' }, ...b.recommendations.map(recommendation)) : h('p.muted', {}, 'None.'),
    h('h2', {}, 'Optimizations tried'),
    optimisationBlock,
    h('h2', {}, 'Profiles of this source'),
    profileTable(profiles.profiles),
  );
  const width = chartWidth(charts);
  // The bottleneck's metric first, then the others its evidence names.
  const evidenceMetrics = typeof b.evidence.metrics === 'object' && b.evidence.metrics ? Object.keys(b.evidence.metrics) : [];
  const metrics = [...new Set([...(b.metric ? [b.metric] : []), ...evidenceMetrics])].slice(0, 6);
  if (!metrics.length) metrics.push(...pickMetrics(await api.metrics(b.source), 2));
  for (const m of metrics) {
    const el = h('div.chart');
    charts.append(el);
    const s = await api.series(b.source, m, start - pad, Math.min(Date.now(), end + pad));
    new MetricChart(el, `${b.source} · ${m}`, s, width).setMarks([...bottleneckMarks([b]), ...alertMarks(related, m), ...anomalyMarks(anomalies, m)]);
  }
  for (const o of optimizations ?? []) {
    const box = h('div.card', {}, h('b', {}, String(o.action ?? o.kind ?? 'optimization')), ' ', badge(String(o.verdict ?? o.status ?? 'pending')), h('pre', {}, JSON.stringify(o, null, 1)));
    optimisationBlock.append(box);
    const m = String(o.metric ?? b.metric ?? '');
    const applied = Date.parse(String(o.applied_at ?? ''));
    if (m && Number.isFinite(applied)) {
      const span = 600_000;
      const [before, after] = await Promise.all([api.series(b.source, m, applied - span, applied), api.series(b.source, m, applied, Math.min(Date.now(), applied + span))]);
      const el = h('div.chart');
      box.append(el);
      beforeAfter(el, `${m}: before / after`, before, after, width);
    }
  }
}

/** A recommendation; a `profile` one can be run from the page (its params are a profile request). */
function recommendation(r: Bottleneck['recommendations'][number]): HTMLElement {
  const li = h('li', {}, h('b', {}, r.action), ' — ', r.rationale, Object.keys(r.params).length ? h('span.muted.params', {}, ` (${inlineParams(r.params)})`) : null);
  if (r.action !== 'profile') return li;
  const result = h('span.result.muted');
  const run = h('button', { type: 'button' }, 'record this profile now');
  run.addEventListener('click', () => {
    result.textContent = ' starting…';
    api
      .requestProfile(r.params)
      .then((p) => result.replaceChildren(' started ', link(`#/profile/${p.profile_id}`, p.profile_id.slice(0, 8)), ` (${p.duration_seconds} s)`))
      .catch((err: Error) => (result.textContent = ` refused: ${err.message}`));
  });
  li.append(' ', run, result);
  return li;
}

// ---- routing ----
async function route(): Promise<void> {
  for (const c of cleanup) c();
  cleanup = [];
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  document.querySelectorAll('header nav a').forEach((a) => a.classList.toggle('active', a.getAttribute('href') === `#/${parts[0] ?? ''}`));
  try {
    if (parts[0] === 'source' && parts[1]) await sourcePage(parts[1], parts[2] ?? '15m');
    else if (parts[0] === 'bottlenecks') await bottlenecksPage();
    else if (parts[0] === 'bottleneck' && parts[1]) await bottleneckPage(parts[1]);
    else if (parts[0] === 'profiles') await profilesPage();
    else if (parts[0] === 'reports') fill(h('h1', {}, 'Reports'), h('p.muted', {}, 'Reports the schedule (report_schedule) stored, newest first; each downloads in its formats.'), await reportsSection());
    else if (parts[0] === 'profile' && parts[1]) await profilePage(parts[1]);
    else if (parts[0] === 'diff' && parts[1] && parts[2]) await diffPage(parts[1], parts[2]);
    else await overview();
    if (!['source', ''].includes(parts[0] ?? '')) {
      stream?.close();
      stream = null;
      liveState.className = 'off';
      liveState.textContent = '○ live off on this page';
    }
  } catch (err) {
    const retry = err instanceof ApiFailure && err.status === 503;
    const auth = err instanceof ApiFailure && err.status === 401;
    fill(
      h('h1', {}, retry ? 'The engine is starting' : auth ? 'This engine needs a token' : 'Error'),
      h('p.warn', { id: auth ? 'auth-needed' : 'error' }, (err as Error).message),
      auth ? h('p', {}, 'Enter the read token (http_read_token) in the token field at the top right; it is kept in this tab only.') : null,
    );
    if (retry) setTimeout(() => void route(), 2000);
  }
}

onRerender(() => void route());
document.querySelector('header')!.append(tokenControl(() => void route()));
window.addEventListener('hashchange', () => void route());
void route();
