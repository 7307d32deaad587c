/** A frame of the flame graph: its name, value (samples or bytes) and children. */
export interface Frame { name: string; value: number; self: number; children: Map<string, Frame>; parent: Frame | null; base?: number }

/** Frames that are the runtime waiting, not code: left out unless asked for. */
const IDLE = new Set(['(idle)']);

/** Builds the call tree from folded stacks ("root;caller;callee 42" per line), without idle time unless `idle`. */
export function parseCollapsed(text: string, idle = false): Frame {
  const root: Frame = { name: 'all', value: 0, self: 0, children: new Map(), parent: null };
  for (const line of text.split('\n')) {
    const cut = line.lastIndexOf(' ');
    if (cut <= 0) continue;
    const n = Number(line.slice(cut + 1));
    if (!Number.isFinite(n) || n <= 0) continue;
    const stack = line.slice(0, cut).split(';');
    if (!idle && stack.some((f) => IDLE.has(f))) continue;
    let node = root;
    node.value += n;
    for (const name of stack) {
      let child = node.children.get(name);
      if (!child) node.children.set(name, (child = { name, value: 0, self: 0, children: new Map(), parent: node }));
      child.value += n;
      node = child;
    }
    node.self += n;
  }
  return root;
}

/** Marks each frame of `after` with its share in `before` (same path), for the diff colours. */
export function diffTrees(before: Frame, after: Frame): Frame {
  const walk = (a: Frame, b: Frame | undefined) => {
    a.base = b && before.value > 0 ? (b.value / before.value) * after.value : 0;
    for (const [name, child] of a.children) walk(child, b?.children.get(name));
  };
  walk(after, before);
  return after;
}

const ROW = 18;

function hue(name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return `hsl(${20 + (h % 40)}, ${70 + (h % 20)}%, ${52 + (h % 12)}%)`;
}

function diffColour(f: Frame): string {
  if (f.base === undefined) return hue(f.name);
  const delta = (f.value - f.base) / Math.max(f.value, f.base, 1);
  if (Math.abs(delta) < 0.05) return '#9aa3b2';
  const a = Math.min(1, Math.abs(delta) * 1.5);
  return delta >= 0 ? `rgba(230, 70, 60, ${0.25 + 0.75 * a})` : `rgba(60, 130, 230, ${0.25 + 0.75 * a})`;
}

/**
 * An interactive flame graph in the DOM: hover for the frame's figures, click to zoom into a
 * frame, click the root row (or "reset") to zoom out, type to highlight matching frames.
 */
export class FlameGraph {
  #focus: Frame;
  #search = '';

  constructor(
    private readonly el: HTMLElement,
    private readonly root: Frame,
    private readonly unit: string,
  ) {
    this.#focus = root;
    el.classList.add('flame');
    this.render();
  }

  search(text: string): void {
    this.#search = text.toLowerCase();
    this.render();
  }

  reset(): void {
    this.#focus = this.root;
    this.render();
  }

  render(): void {
    const el = this.el;
    el.replaceChildren();
    const width = el.clientWidth || 1000;
    const total = this.#focus.value || 1;
    const frames: HTMLElement[] = [];
    // Ancestors of the focus, full width, above it.
    const chain: Frame[] = [];
    for (let f: Frame | null = this.#focus; f; f = f.parent) chain.unshift(f);
    let depth = 0;
    for (const f of chain.slice(0, -1)) frames.push(this.#box(f, 0, width, depth++, true));
    const place = (f: Frame, x: number, w: number, d: number) => {
      if (w < 0.5) return;
      frames.push(this.#box(f, x, w, d, false));
      let cx = x;
      for (const c of [...f.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
        const cw = (c.value / total) * width;
        place(c, cx, cw, d + 1);
        cx += cw;
      }
    };
    place(this.#focus, 0, width, depth);
    el.append(...frames);
    el.style.height = `${(Math.max(...frames.map((f) => Number(f.dataset.depth))) + 1) * ROW}px`;
  }

  #box(f: Frame, x: number, w: number, depth: number, ancestor: boolean): HTMLElement {
    const b = document.createElement('div');
    b.className = 'frame' + (ancestor ? ' ancestor' : '');
    b.dataset.depth = String(depth);
    b.style.left = `${x}px`;
    b.style.width = `${Math.max(w - 1, 0.5)}px`;
    b.style.top = `${depth * ROW}px`;
    const match = this.#search !== '' && f.name.toLowerCase().includes(this.#search);
    b.style.background = match ? '#c77dff' : diffColour(f);
    const pct = this.root.value ? ((f.value / this.root.value) * 100).toFixed(2) : '0';
    const diff = f.base !== undefined ? `, before ${Math.round(f.base)} (${f.value >= f.base ? '+' : ''}${Math.round(f.value - f.base)})` : '';
    b.title = `${f.name}\n${f.value} ${this.unit} (${pct}%), self ${f.self}${diff}`;
    if (w > 30) b.textContent = f.name;
    b.addEventListener('click', () => {
      this.#focus = f === this.#focus && f.parent ? f.parent : f;
      this.render();
    });
    return b;
  }
}
