import uPlot from 'uplot';
import type { Series } from './api.js';

/** A time span to mark on a chart (an alert or a bottleneck), times in seconds; with a `value`, one flagged sample (an anomaly) drawn as a dot. */
export interface Mark { from: number; to: number | null; label: string; color: string; value?: number }

/** Short tick labels: 1.5k, 2.3M, 4.1G (the axis has room for about 6 characters). */
export function si(v: number): string {
  const a = Math.abs(v);
  for (const [d, u] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) if (a >= d) return `${+(v / d).toFixed(1)}${u}`;
  return a !== 0 && a < 0.01 ? v.toExponential(0) : String(+v.toFixed(3));
}
const yValues = (_u: uPlot, vals: number[]) => vals.map(si);

const AXIS = { stroke: '#9aa4b2', grid: { stroke: '#2a3140', width: 1 }, ticks: { stroke: '#2a3140', width: 1 } };

/** Draws the flagged samples (marks with a value) as rings over the series. */
function drawPoints(u: uPlot, marks: readonly Mark[]): void {
  const { ctx } = u;
  const { left, top, width, height } = u.bbox;
  ctx.save();
  for (const m of marks) {
    if (m.value === undefined) continue;
    const x = u.valToPos(m.from, 'x', true);
    const y = u.valToPos(m.value, 'y', true);
    if (x < left || x > left + width || !Number.isFinite(y)) continue;
    ctx.beginPath();
    ctx.arc(x, Math.min(top + height, Math.max(top, y)), 4 * devicePixelRatio, 0, 2 * Math.PI);
    ctx.strokeStyle = m.color;
    ctx.lineWidth = 2 * devicePixelRatio;
    ctx.stroke();
  }
  ctx.restore();
}

/** Draws the spans (marks without a value) under the series. */
function drawSpans(u: uPlot, marks: readonly Mark[]): void {
  const { ctx } = u;
  const { left, top, width, height } = u.bbox;
  ctx.save();
  for (const m of marks) {
    if (m.value !== undefined) continue;
    const x0 = Math.max(left, u.valToPos(m.from, 'x', true));
    const x1 = m.to === null ? left + width : Math.min(left + width, u.valToPos(m.to, 'x', true));
    if (x1 < left || x0 > left + width) continue;
    ctx.fillStyle = m.color + '33';
    ctx.fillRect(x0, top, Math.max(2, x1 - x0), height);
    ctx.fillStyle = m.color;
    ctx.fillRect(x0, top, 2, height);
    ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
    ctx.fillText(m.label, x0 + 4, top + 12 * devicePixelRatio);
  }
  ctx.restore();
}

/** Shades each span mark on the plot and labels it (open spans run to the right edge); rings the flagged samples over the series. */
function marksPlugin(marks: () => readonly Mark[]): uPlot.Plugin {
  return { hooks: { drawAxes: [(u: uPlot) => drawSpans(u, marks())], draw: [(u: uPlot) => drawPoints(u, marks())] } };
}

/** A small line with no axes, for the overview. */
export function sparkline(el: HTMLElement, s: Series, color = '#5ab0ff'): uPlot {
  return new uPlot(
    {
      width: 160,
      height: 36,
      pxAlign: false,
      cursor: { show: false },
      legend: { show: false },
      select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      scales: { x: { time: true } },
      axes: [{ show: false }, { show: false }],
      series: [{}, { stroke: color, width: 1.5, fill: color + '22', points: { show: false } }],
    },
    [s.times, s.values],
    el,
  );
}

/**
 * A span under a minute (one or two points: a fresh source) shown as the minute around it: uPlot
 * pads a single point's zero-width time span by a share of the timestamp itself, which spreads it
 * over years.
 */
function widenShortSpan(plot: uPlot, times: readonly number[]): void {
  if (times.length === 0) return;
  const min = times[0]!;
  const max = times.at(-1)!;
  if (max - min >= 300) return;
  const mid = (min + max) / 2;
  plot.setScale('x', { min: mid - 150, max: mid + 150 });
}

/** A live chart of one metric: time axis, values, marks, drag to zoom (double-click resets). */
export class MetricChart {
  readonly plot: uPlot;
  #times: number[];
  #values: (number | null)[];
  #marks: Mark[] = [];

  constructor(el: HTMLElement, title: string, s: Series, width: number) {
    this.#times = [...s.times];
    this.#values = [...s.values];
    this.plot = new uPlot(
      {
        title,
        width,
        height: 180,
        scales: { x: { time: true } },
        axes: [{ ...AXIS }, { ...AXIS, size: 64, values: yValues }],
        series: [{}, { label: title, stroke: '#5ab0ff', width: 1.5, fill: '#5ab0ff18', spanGaps: false }],
        plugins: [marksPlugin(() => this.#marks)],
      },
      [this.#times, this.#values],
      el,
    );
    widenShortSpan(this.plot, this.#times);
  }

  setMarks(marks: Mark[]): void {
    this.#marks = marks;
    this.plot.redraw(false, true);
    widenShortSpan(this.plot, this.#times);
  }

  /** Appends a live point and drops those older than `keepFromS`. */
  push(t: number, v: number, keepFromS: number): void {
    if (this.#times.length && t <= this.#times.at(-1)!) return;
    this.#times.push(t);
    this.#values.push(v);
    let drop = 0;
    while (drop < this.#times.length && this.#times[drop]! < keepFromS) drop++;
    if (drop) {
      this.#times.splice(0, drop);
      this.#values.splice(0, drop);
    }
    this.plot.setData([this.#times, this.#values]);
    widenShortSpan(this.plot, this.#times);
  }

  get points(): number {
    return this.#times.length;
  }

  destroy(): void {
    this.plot.destroy();
  }
}

/** Two series on one chart (before and after), aligned on their own time from each start. */
export function beforeAfter(el: HTMLElement, title: string, before: Series, after: Series, width: number): uPlot {
  const t0b = before.times[0] ?? 0;
  const t0a = after.times[0] ?? 0;
  const xs = [...new Set([...before.times.map((t) => t - t0b), ...after.times.map((t) => t - t0a)])].sort((a, b) => a - b);
  const at = (s: Series, t0: number) => {
    const m = new Map(s.times.map((t, i) => [t - t0, s.values[i] ?? null]));
    return xs.map((x) => m.get(x) ?? null);
  };
  return new uPlot(
    {
      title,
      width,
      height: 180,
      scales: { x: { time: false } },
      axes: [{ ...AXIS, label: 'seconds from start' }, { ...AXIS, size: 64, values: yValues }],
      series: [{}, { label: 'before', stroke: '#ff9f43', spanGaps: true }, { label: 'after', stroke: '#2ecc71', spanGaps: true }],
    },
    [xs, at(before, t0b), at(after, t0a)],
    el,
  );
}
