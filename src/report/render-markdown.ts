import { formatDuration } from '../model/time.js';
import type { Report } from './report-schema.js';

/** Escapes the characters that would break a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function tableOf(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  if (rows.length === 0) return ['_none_', ''];
  return [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`), ''];
}

const num = (x: number | null) => (x === null ? '-' : Number.isInteger(x) ? String(x) : x.toFixed(2));

/** Time to a limit in words ("3 d 4 h"), or "not approaching". */
export function timeToLimitText(seconds: number | null): string {
  return seconds === null ? 'not approaching' : formatDuration(seconds * 1000);
}

/**
 * Renders a report as Markdown: summary, health per source, alerts, top bottlenecks with evidence
 * and what was done, profiles with hotspot tables, optimizations (or "none yet"), capacity outlook.
 * Charts and flame graphs are left to the HTML report; this one says where they are.
 */
export function renderMarkdown(r: Report): string {
  const s = r.summary;
  const out: string[] = [
    `# Performance report`,
    '',
    `Period ${r.period.since} – ${r.period.until}${r.sources_filter ? ` · sources ${r.sources_filter.join(', ')}` : ''} · generated ${r.generated_at}`,
    '',
    '## Summary',
    '',
    `- Sources: ${s.sources} (${r.sources.filter((x) => x.health !== 'ok').length} not ok)`,
    `- Alerts: ${s.alerts} (${s.alerts_firing} still firing)`,
    `- Bottlenecks: ${s.bottlenecks} (${s.bottlenecks_active} still active)`,
    `- Profiles: ${s.profiles}`,
    `- Optimizations: ${s.optimizations === null ? 'none yet (the optimization loop has not run on this store)' : s.optimizations}`,
    '',
    '## Health per source',
    '',
    ...tableOf(['Source', 'Host', 'Health', 'Alerts (firing)', 'Bottlenecks (active)', 'Last seen'],
      r.sources.map((x) => [x.source, x.host ?? '-', x.health, `${x.alerts} (${x.alerts_firing})`, `${x.bottlenecks} (${x.bottlenecks_active})`, x.last_seen ?? '-'])),
    '## Alerts',
    '',
    ...tableOf(['Started', 'Source', 'Metric', 'Rule', 'Severity', 'State', 'Resolved', 'Message'],
      r.alerts.map((a) => [a.started_at, a.source, a.metric, a.rule, a.severity, a.state, a.resolved_at ?? '-', a.message])),
    '## Top bottlenecks',
    '',
  ];
  if (r.bottlenecks.length === 0) out.push('_none_', '');
  for (const b of r.bottlenecks.slice(0, 20)) {
    out.push(`### ${b.severity} ${b.kind} on ${b.source} (${b.status})`, '', b.summary, '');
    out.push(`- Detected ${b.detected_at}${b.resolved_at ? `, resolved ${b.resolved_at} (${b.resolve_reason ?? 'resolved'})` : ''}`);
    out.push(`- Evidence: \`${cell(JSON.stringify(b.evidence)).slice(0, 400)}\``);
    for (const rec of b.recommendations) out.push(`- Recommendation: **${rec.action}**: ${rec.rationale}`);
    out.push(`- Done: ${b.done.length > 0 ? b.done.join('; ') : 'nothing yet'}`, '');
  }
  out.push('## Profiles', '');
  if (r.profiles.length === 0) out.push('_none_', '');
  for (const p of r.profiles) {
    out.push(`### ${p.kind} profile of ${p.source ?? 'the engine'} at ${p.started_at}`, '');
    out.push(`${p.trigger}, ${p.duration_ms === null ? '?' : formatDuration(p.duration_ms)}; flame graph in the HTML report.`, '');
    out.push(...tableOf(['Function', 'Location', 'Self %', 'Total %'], p.hotspots.map((h) => [h.function, `${h.url}:${h.line}`, num(h.self_pct), num(h.total_pct)])));
  }
  out.push('## Optimizations', '');
  if (!r.optimizations.available) out.push('None yet: the optimization loop has not run on this store.', '');
  else out.push(...tableOf(['Applied', 'Source', 'Action', 'Metric', 'Before', 'After', 'Status', 'Verdict'],
    r.optimizations.items.map((o) => [o.applied_at ?? '-', o.source ?? '-', o.action, o.metric ?? '-', num(o.before), num(o.after), o.status, o.verdict ?? '-'])));
  out.push('## Capacity outlook', '');
  out.push(...tableOf(['Source', 'Metric', 'Latest', 'Limit', 'Trend per hour', 'Fit (R²)', 'Time to limit'],
    r.capacity.map((c) => [c.source, c.metric, num(c.latest), num(c.limit), num(c.slope_per_hour), num(c.fit), timeToLimitText(c.time_to_limit_s)])));
  return out.join('\n');
}
