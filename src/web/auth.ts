/**
 * The bearer token the dashboard sends, when the engine has a read token (http_read_token): kept
 * in sessionStorage (this tab only, gone when it closes; never in a URL, a cookie or localStorage)
 * and sent as `Authorization: Bearer` on every request the pages make, the live stream included.
 */
import { h } from './dom.js';

const KEY = 'perf-engine.token';

/** The token of this tab, or null. */
export function token(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

function setToken(value: string | null): void {
  if (value) sessionStorage.setItem(KEY, value);
  else sessionStorage.removeItem(KEY);
}

/** The headers that carry the token (none without one). */
export function authHeaders(): Record<string, string> {
  const t = token();
  return t ? { authorization: `Bearer ${t}` } : {};
}

/**
 * The token field of the page's header: the token is never shown back (a password field), "use"
 * keeps it for this tab and reloads the page's data through `onChange`, "forget" removes it.
 */
export function tokenControl(onChange: () => void): HTMLElement {
  const input = h('input', { id: 'token-input', type: 'password', placeholder: 'API token', autocomplete: 'off', size: '14' }) as HTMLInputElement;
  const state = h('span.muted', { id: 'token-state' });
  const show = () => (state.textContent = token() ? 'token set' : '');
  const form = h('form.token', { id: 'token-form', title: 'bearer token for an engine with http_read_token; kept in this tab only (sessionStorage)' }, input, h('button', { type: 'submit' }, 'use'), h('button', { type: 'button', id: 'token-forget' }, 'forget'), state);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setToken(input.value.trim() || null);
    input.value = '';
    show();
    onChange();
  });
  form.querySelector('#token-forget')!.addEventListener('click', () => {
    setToken(null);
    show();
    onChange();
  });
  show();
  return form;
}

/** The file name a response offers (content-disposition), else `fallback`. */
function fileName(res: Response, fallback: string): string {
  const m = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '');
  return m?.[1] ?? fallback;
}

/**
 * A download link. Without a token it is a plain link; with one, a click fetches the file with
 * the token and saves it from memory, since a link cannot send a header.
 */
export function downloadLink(href: string, text: string, fallbackName: string, cls = 'a.button'): HTMLElement {
  const a = h(cls, { href, download: '' }, text);
  a.addEventListener('click', (e) => {
    if (!token()) return;
    e.preventDefault();
    void fetch(href, { headers: authHeaders() })
      .then(async (res) => {
        if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
        const url = URL.createObjectURL(await res.blob());
        const save = h('a', { href: url, download: fileName(res, fallbackName) });
        save.click();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      })
      .catch((err: Error) => (a.title = `download failed: ${err.message}`));
  });
  return a;
}
