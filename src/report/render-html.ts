import type { Report } from './report-schema.js';
import { timeToLimitText } from './render-markdown.js';
import { esc, renderChartSvg } from './svg-chart.js';

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;color:#222;max-width:1100px;margin:0 auto;padding:16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:2px;margin-top:28px}
h3{font-size:15px;margin:16px 0 4px}.meta{color:#666}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;gap:8px;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:4px;padding:6px 12px;min-width:110px}
.card b{display:block;font-size:20px}
.h-critical{color:#fff;background:#d62728}.h-warning{background:#ff9f1c}.h-silent{background:#bbb}.h-ok{background:#9fd89f}
.health{padding:1px 6px;border-radius:3px;font-size:12px}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:10px}.chart{break-inside:avoid}.chart h4{margin:4px 0;font-size:13px}
.flame svg{width:100%;height:auto}.flame{overflow:hidden;break-inside:avoid}
code,pre{font:12px ui-monospace,monospace;white-space:pre-wrap;word-break:break-word}
.legend span{margin-right:12px}.none{color:#666;font-style:italic}
@media print{body{max-width:none;padding:0;font-size:11px}h2{break-after:avoid}table,.bottleneck,.profile{break-inside:avoid}
.charts{grid-template-columns:1fr 1fr}@page{size:A4;margin:12mm}}
`;

function rows(headers: readonly string[], data: readonly (readonly string[])[], numeric: ReadonlySet<number> = new Set()): string {
  if (data.length === 0) return '<p class="none">none</p>';
  const head = `<tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
  const body = data.map((r) => `<tr>${r.map((c, i) => `<td${numeric.has(i) ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('');
  return `<table>${head}${body}</table>`;
}

const num = (x: number | null) => (x === null ? '-' : Number.isInteger(x) ? String(x) : x.toFixed(2));
const card = (label: string, value: string) => `<div class="card">${esc(label)}<b>${esc(value)}</b></div>`;

function summary(r: Report): string {
  const s = r.summary;
  return `<div class="cards">${card('Sources', String(s.sources))}${card('Not ok', String(r.sources.filter((x) => x.health !== 'ok').length))}${card('Alerts (firing)', `${s.alerts} (${s.alerts_firing})`)}${card('Bottlenecks (active)', `${s.bottlenecks} (${s.bottlenecks_active})`)}${card('Profiles', String(s.profiles))}${card('Optimizations', s.optimizations === null ? 'none yet' : String(s.optimizations))}</div>`;
}

function health(r: Report): string {
  if (r.sources.length === 0) return '<p class="none">no sources reported in this period</p>';
  const body = r.sources
    .map((x) => `<tr><td>${esc(x.source)}</td><td>${esc(x.host ?? '-')}</td><td><span class="health h-${x.health}">${x.health}</span></td><td class="n">${x.alerts} (${x.alerts_firing})</td><td class="n">${x.bottlenecks} (${x.bottlenecks_active})</td><td>${esc(x.last_seen ?? '-')}</td></tr>`)
    .join('');
  return `<table><tr><th>Source</th><th>Host</th><th>Health</th><th>Alerts (firing)</th><th>Bottlenecks (active)</th><th>Last seen</th></tr>${body}</table>`;
}

function charts(r: Report): string {
  if (r.charts.length === 0) return '<p class="none">no series in this period</p>';
  const since = Date.parse(r.period.since);
  const until = Date.parse(r.period.until);
  const legend = '<p class="legend"><span>▬ mean, band min–max</span><span style="color:#d62728">■ critical</span><span style="color:#ff9f1c">■ warning</span><span>solid: alert · dashed: bottleneck</span><span style="color:#9467bd">▼ anomaly</span></p>';
  return `${legend}<div class="charts">${r.charts.map((c) => `<div class="chart"><h4>${esc(c.source)} · ${esc(c.metric)}</h4>${renderChartSvg(c, since, until)}</div>`).join('')}</div>`;
}

function bottlenecks(r: Report): string {
  if (r.bottlenecks.length === 0) return '<p class="none">none</p>';
  return r.bottlenecks
    .slice(0, 20)
    .map((b) => {
      const recs = b.recommendations.map((x) => `<li><b>${esc(x.action)}</b>: ${esc(x.rationale)}</li>`).join('');
      return `<div class="bottleneck"><h3><span class="health h-${b.severity === 'critical' ? 'critical' : 'warning'}">${esc(b.severity)}</span> ${esc(b.kind)} on ${esc(b.source)} (${esc(b.status)})</h3>
<p>${esc(b.summary)}</p><p class="meta">detected ${esc(b.detected_at)}${b.resolved_at ? `, resolved ${esc(b.resolved_at)} (${esc(b.resolve_reason ?? 'resolved')})` : ''}</p>
<details open><summary>Evidence</summary><pre>${esc(JSON.stringify(b.evidence, null, 1).slice(0, 2000))}</pre></details>
${recs ? `<p>Recommendations:</p><ul>${recs}</ul>` : ''}<p>Done: ${esc(b.done.length > 0 ? b.done.join('; ') : 'nothing yet')}</p></div>`;
    })
    .join('');
}

function profiles(r: Report): string {
  if (r.profiles.length === 0) return '<p class="none">none</p>';
  return r.profiles
    .map((p) => {
      const table = rows(['Function', 'Location', 'Self %', 'Total %'], p.hotspots.map((h) => [h.function, `${h.url}:${h.line}`, num(h.self_pct), num(h.total_pct)]), new Set([2, 3]));
      return `<div class="profile"><h3>${esc(p.kind)} profile of ${esc(p.source ?? 'the engine')} at ${esc(p.started_at)}</h3><p class="meta">${esc(p.trigger)}, ${p.duration_ms ?? '?'} ms</p>${table}${p.flame_svg ? `<div class="flame">${p.flame_svg}</div>` : ''}</div>`;
    })
    .join('');
}

function optimizations(r: Report): string {
  if (!r.optimizations.available) return '<p class="none">None yet: the optimization loop has not run on this store.</p>';
  return rows(['Applied', 'Source', 'Action', 'Metric', 'Before', 'After', 'Status', 'Verdict'],
    r.optimizations.items.map((o) => [o.applied_at ?? '-', o.source ?? '-', o.action, o.metric ?? '-', num(o.before), num(o.after), o.status, o.verdict ?? '-']), new Set([4, 5]));
}

function capacity(r: Report): string {
  return rows(['Source', 'Metric', 'Latest', 'Limit', 'Trend per hour', 'Fit (R²)', 'Time to limit'],
    r.capacity.map((c) => [c.source, c.metric, num(c.latest), num(c.limit), num(c.slope_per_hour), num(c.fit), timeToLimitText(c.time_to_limit_s)]), new Set([2, 3, 4, 5]));
}

/**
 * Renders a report as one self-contained HTML file: inline CSS (with print rules), inline SVG charts
 * and flame graphs, no script and no external asset, so it opens offline and prints as it shows.
 */
export function renderHtml(r: Report): string {
  const alerts = rows(['Started', 'Source', 'Metric', 'Rule', 'Severity', 'State', 'Resolved', 'Message'],
    r.alerts.map((a) => [a.started_at, a.source, a.metric, a.rule, a.severity, a.state, a.resolved_at ?? '-', a.message]));
  const title = `Performance report ${r.period.since.slice(0, 16)} – ${r.period.until.slice(0, 16)}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${CSS}</style></head><body>
<h1>Performance report</h1><p class="meta">${esc(r.period.since)} – ${esc(r.period.until)}${r.sources_filter ? ` · sources ${esc(r.sources_filter.join(', '))}` : ''} · generated ${esc(r.generated_at)}</p>
<h2>Summary</h2>${summary(r)}
<h2>Health per source</h2>${health(r)}
<h2>Charts</h2>${charts(r)}
<h2>Alerts</h2>${alerts}
<h2>Top bottlenecks</h2>${bottlenecks(r)}
<h2>Profiles</h2>${profiles(r)}
<h2>Optimizations</h2>${optimizations(r)}
<h2>Capacity outlook</h2>${capacity(r)}
</body></html>
`;
}
