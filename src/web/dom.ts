/** Small DOM helpers shared by the dashboard's pages. */

export type Child = Node | string | null | undefined | false;

/** Creates an element: `h('a.link', { href }, 'text')`. */
export function h(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');
export const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '—' : Math.abs(v) >= 1e6 ? v.toExponential(2) : Number.isInteger(v) ? String(v) : v.toFixed(2));
export const link = (href: string, text: string) => h('a', { href }, text);
export const badge = (text: string) => h(`span.badge.b-${text.replace(/[^a-z_]/gi, '')}`, {}, text);

/** Replaces the page's content. */
export function fill(...children: Child[]): void {
  document.getElementById('app')!.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
}

let rerenderPage: () => void = () => undefined;
/** Sets what `rerender` does: the router's render of the current page. */
export function onRerender(fn: () => void): void {
  rerenderPage = fn;
}
/** Renders the current page again (a page that waits for a profile to finish). */
export function rerender(): void {
  rerenderPage();
}
