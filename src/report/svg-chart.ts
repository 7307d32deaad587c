import type { ReportChart } from './report-schema.js';

/** Escapes text for XML content and attribute values. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const W = 640;
const H = 160;
const PAD = { l: 48, r: 8, t: 8, b: 20 };
const MARK_COLOR: Record<string, string> = { critical: '#d62728', warning: '#ff9f1c', info: '#1f77b4' };

function tick(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return a >= 10 || v === 0 ? v.toFixed(0) : v.toFixed(2);
}

/**
 * Draws one chart as inline SVG: the min–max band, the mean line, alerts and bottlenecks as shaded
 * spans (red critical, orange warning) with their label as a tooltip, flagged samples (anomalies)
 * as purple triangles on the top edge. `since`/`until` fix the x
 * axis to the report's period so charts line up.
 */
export function renderChartSvg(chart: ReportChart, since: number, until: number): string {
  const pts = chart.points;
  let lo = Infinity, hi = -Infinity;
  for (const [, min, , max] of pts) { if (min < lo) lo = min; if (max > hi) hi = max; }
  if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
  if (hi === lo) { hi += 1; lo = Math.min(0, lo); }
  const span = Math.max(1, until - since);
  const x = (t: number) => PAD.l + ((t - since) / span) * (W - PAD.l - PAD.r);
  const y = (v: number) => PAD.t + (1 - (v - lo) / (hi - lo)) * (H - PAD.t - PAD.b);
  const f = (n: number) => n.toFixed(1);
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(`${chart.source} ${chart.metric}`)}">`];
  for (const m of chart.marks) {
    if (m.kind === 'anomaly') {
      // An instant: a small downward triangle on the top edge, its score as a tooltip.
      const xa = x(Date.parse(m.from));
      if (xa < PAD.l || xa > W - PAD.r) continue;
      parts.push(`<path class="anomaly" d="M${f(xa - 4)},${PAD.t} L${f(xa + 4)},${PAD.t} L${f(xa)},${PAD.t + 7} Z" fill="#9467bd"><title>${esc(`${m.label} at ${m.from}`)}</title></path>`);
      continue;
    }
    const x0 = Math.max(PAD.l, x(Date.parse(m.from)));
    const x1 = Math.min(W - PAD.r, x(m.to === null ? until : Date.parse(m.to)));
    const color = MARK_COLOR[m.severity] ?? '#888';
    parts.push(`<rect class="mark" x="${f(x0)}" y="${PAD.t}" width="${f(Math.max(2, x1 - x0))}" height="${H - PAD.t - PAD.b}" fill="${color}" fill-opacity="${m.kind === 'alert' ? 0.18 : 0.1}" stroke="${color}" stroke-dasharray="${m.kind === 'alert' ? '' : '3 2'}"><title>${esc(`${m.kind}: ${m.label} (${m.from} – ${m.to ?? 'open'})`)}</title></rect>`);
  }
  if (pts.length > 0) {
    const band = [...pts.map((p) => `${f(x(p[0]))},${f(y(p[3]))}`), ...[...pts].reverse().map((p) => `${f(x(p[0]))},${f(y(p[1]))}`)].join(' ');
    parts.push(`<polygon points="${band}" fill="#1f77b4" fill-opacity="0.15"/>`);
    parts.push(`<polyline points="${pts.map((p) => `${f(x(p[0]))},${f(y(p[2]))}`).join(' ')}" fill="none" stroke="#1f77b4" stroke-width="1.2"/>`);
  } else {
    parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-size="12" fill="#888">no samples</text>`);
  }
  parts.push(`<line x1="${PAD.l}" y1="${H - PAD.b}" x2="${W - PAD.r}" y2="${H - PAD.b}" stroke="#999"/><line x1="${PAD.l}" y1="${PAD.t}" x2="${PAD.l}" y2="${H - PAD.b}" stroke="#999"/>`);
  for (const v of [lo, (lo + hi) / 2, hi]) parts.push(`<text x="${PAD.l - 4}" y="${f(y(v) + 4)}" text-anchor="end" font-size="10" fill="#555">${tick(v)}</text>`);
  const ticks: [number, string][] = [[since, 'start'], [since + span / 2, 'middle'], [until, 'end']];
  for (const [t, anchor] of ticks) {
    const d = new Date(t).toISOString();
    parts.push(`<text x="${f(x(t))}" y="${H - 6}" text-anchor="${anchor}" font-size="10" fill="#555">${d.slice(5, 10)} ${d.slice(11, 16)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}
