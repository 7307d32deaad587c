import { api, type StoredReport } from './api.js';
import { downloadLink } from './auth.js';
import { h, when } from './dom.js';

/** `2026-12-06T09:00:00Z`–`…10:00` as "24 h from <local time>". */
function period(r: StoredReport): string {
  const ms = Date.parse(r.until) - Date.parse(r.since);
  const span = ms % 86_400_000 === 0 ? `${ms / 86_400_000} d` : ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : `${Math.round(ms / 60_000)} min`;
  return `${span}: ${when(r.since)} → ${when(r.until)}`;
}

/** The name of a report: its trigger and what it found, from its summary. */
function name(r: StoredReport): string {
  const s = r.summary;
  const count = (k: string) => (typeof s[k] === 'number' ? `${s[k] as number} ${k}` : null);
  return [`${r.trigger} report ${r.report_id.slice(0, 8)}`, [count('sources'), count('alerts'), count('bottlenecks')].filter(Boolean).join(', ')].filter(Boolean).join(' · ');
}

/** The stored reports (scheduled by `report_schedule`), each with a link per format. */
export async function reportsSection(): Promise<HTMLElement> {
  const reports = await api.reports();
  if (!reports.length) return h('p.muted', { id: 'reports' }, 'No stored report yet: set report_schedule (docs/reports.md), or run perf-engine report.');
  return h(
    'table.list',
    { id: 'reports' },
    h('thead', {}, h('tr', {}, ...['name', 'period', 'created', 'formats'].map((t) => h('th', {}, t)))),
    h(
      'tbody',
      {},
      ...reports.map((r) =>
        h(
          'tr',
          { 'data-report': r.report_id },
          h('td', {}, name(r)),
          h('td', {}, period(r)),
          h('td', {}, when(r.created_at)),
          h('td.downloads', {}, ...r.formats.flatMap((f) => [downloadLink(api.reportUrl(r.report_id, f), f, `report-${r.report_id}.${f}`), ' '])),
        ),
      ),
    ),
  );
}
