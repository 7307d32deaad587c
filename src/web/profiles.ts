import { api, DOWNLOAD_FORMATS, type Profile } from './api.js';
import { downloadLink } from './auth.js';
import { badge, fill, fmt, h, link, rerender, when } from './dom.js';
import { diffTrees, FlameGraph, parseCollapsed, type Frame } from './flame.js';

/** The profile pages: the list with the request form, one profile with its flame graph and downloads, the diff of two. */

/** A table of profiles; with `pick`, a box per completed one to choose two for a diff. */
export function profileTable(ps: readonly Profile[], pick?: (id: string, on: boolean) => void): HTMLElement {
  if (!ps.length) return h('p.muted', {}, 'None.');
  return h(
    'table.list',
    { id: 'profiles' },
    h('thead', {}, h('tr', {}, ...[pick ? 'diff' : '', 'profile', 'source', 'kind', 'trigger', 'status', 'started', 'duration', 'samples', 'top hotspot'].map((t) => h('th', {}, t)))),
    h(
      'tbody',
      {},
      ...ps.map((p) => {
        const box = h('input', { type: 'checkbox', 'data-id': p.profile_id }) as HTMLInputElement;
        box.addEventListener('change', () => pick?.(p.profile_id, box.checked));
        return h(
          'tr',
          {},
          h('td', {}, pick && p.status === 'completed' ? box : ''),
          h('td', {}, link(`#/profile/${p.profile_id}`, p.profile_id.slice(0, 8))),
          h('td', {}, p.source ?? '—'),
          h('td', {}, p.kind),
          h('td', {}, p.trigger),
          h('td', {}, badge(p.status)),
          h('td', {}, when(p.started_at)),
          h('td', {}, p.duration_ms === null ? '—' : `${(p.duration_ms / 1000).toFixed(1)} s`),
          h('td', {}, fmt(p.sample_count)),
          h('td', {}, p.hotspots[0] ? `${p.hotspots[0].function} (${p.hotspots[0].self_pct.toFixed(1)}%)` : '—'),
        );
      }),
    ),
  );
}

export async function profilesPage(): Promise<void> {
  const { running, profiles } = await api.profiles();
  const picked = new Set<string>();
  const diffLink = h('a.button.disabled', { id: 'diff-link', href: '#/profiles' }, 'diff the two selected');
  const update = () => {
    const ids = [...picked];
    diffLink.className = ids.length === 2 ? 'button' : 'button disabled';
    diffLink.setAttribute('href', ids.length === 2 ? `#/diff/${ids[0]}/${ids[1]}` : '#/profiles');
  };
  const target = h('select', { name: 'target' }, h('option', { value: 'self' }, 'the engine itself'), h('option', { value: 'agent_id' }, 'agent id…'), h('option', { value: 'pid' }, 'pid…')) as HTMLSelectElement;
  const targetValue = h('input', { name: 'target_value', placeholder: 'agent id or pid', size: '16' }) as HTMLInputElement;
  const kind = h('select', { name: 'kind' }, ...['cpu', 'heap', 'event_loop'].map((k) => h('option', { value: k }, k))) as HTMLSelectElement;
  const duration = h('input', { name: 'duration', type: 'number', value: '5', min: '1', max: '300', size: '4' }) as HTMLInputElement;
  const result = h('span.muted', { id: 'request-result' });
  const form = h('form.request', { id: 'request-profile' }, 'Request a profile of ', target, targetValue, ' kind ', kind, ' for ', duration, ' s ', h('button', { type: 'submit' }, 'start'), ' ', result);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const t = target.value === 'self' ? { self: true } : target.value === 'pid' ? { pid: Number(targetValue.value) } : { agent_id: targetValue.value };
    result.textContent = 'starting…';
    api
      .requestProfile({ target: t, kind: kind.value, duration_seconds: Number(duration.value) })
      .then((r) => {
        result.textContent = `started ${r.profile_id.slice(0, 8)}; ready in ${r.duration_seconds} s`;
        setTimeout(() => location.hash === '#/profiles' && rerender(), r.duration_seconds * 1000 + 2000);
      })
      .catch((err: Error) => (result.textContent = `refused: ${err.message}`));
  });
  fill(
    h('h1', {}, 'Profiles'),
    form,
    running.length ? h('p', {}, `recording: ${running.map((r) => `${r.kind} ${r.profile_id.slice(0, 8)} until ${new Date(r.ends_at).toLocaleTimeString()}`).join(', ')}`) : null,
    h('p', {}, diffLink),
    profileTable(profiles, (id, on) => {
      if (on) picked.add(id);
      else picked.delete(id);
      update();
    }),
  );
}

/** Draws a flame graph in `el` from folded stacks, with search, reset and an idle toggle above it. */
function flameWithControls(el: HTMLElement, build: (idle: boolean) => Frame, unit: string): void {
  let graph = new FlameGraph(el, build(false), unit);
  const search = h('input', { placeholder: 'highlight frames…', id: 'flame-search' }) as HTMLInputElement;
  search.addEventListener('input', () => graph.search(search.value));
  const reset = h('button', {}, 'reset zoom');
  reset.addEventListener('click', () => graph.reset());
  const idle = h('input', { type: 'checkbox', id: 'flame-idle' }) as HTMLInputElement;
  idle.addEventListener('change', () => {
    graph = new FlameGraph(el, build(idle.checked), unit);
    graph.search(search.value);
  });
  el.before(h('div.flame-controls', {}, search, ' ', reset, ' ', h('label', {}, idle, ' include idle time'), h('span.muted', {}, ' · click a frame to zoom, hover for figures')));
}

export async function profilePage(id: string): Promise<void> {
  const p = await api.profile(id);
  if ('ends_at' in p) {
    fill(h('h1', {}, `Profile ${id.slice(0, 8)}`), h('p', {}, `recording until ${new Date(p.ends_at).toLocaleTimeString()}…`));
    setTimeout(() => location.hash === `#/profile/${id}` && rerender(), Math.max(1000, Date.parse(p.ends_at) - Date.now() + 1500));
    return;
  }
  const stored = p as Profile;
  const formats = DOWNLOAD_FORMATS.filter((f) => f === 'raw' || (stored.kind !== 'event_loop' && (f !== 'cpuprofile' || stored.kind === 'cpu')));
  const flame = h('div', { id: 'flame' });
  fill(
    h('h1', {}, `${stored.kind} profile ${id.slice(0, 8)}`),
    h('p.muted', {}, `${stored.source ?? JSON.stringify(stored.target)} · ${stored.trigger} · ${when(stored.started_at)} · ${stored.duration_ms ?? '—'} ms · ${fmt(stored.sample_count)} samples · ${badge(stored.status).textContent}`),
    stored.error ? h('p.warn', {}, stored.error) : null,
    h('p.downloads', { id: 'downloads' }, 'download: ', ...formats.flatMap((f) => [downloadLink(api.downloadUrl(id, f), f, `profile-${id}.${f}`), ' '])),
    h('h2', {}, 'Flame graph'),
    flame,
    h('h2', {}, 'Hotspots'),
    h('table.list', {}, h('thead', {}, h('tr', {}, ...['function', 'where', 'self %', 'self ms', 'total %'].map((t) => h('th', {}, t)))), h('tbody', {}, ...stored.hotspots.slice(0, 30).map((s) => h('tr', {}, h('td', {}, s.function || '(anonymous)'), h('td.muted', {}, `${s.url}:${s.line}`), h('td', {}, s.self_pct.toFixed(1)), h('td', {}, s.self_ms.toFixed(1)), h('td', {}, s.total_pct.toFixed(1)))))),
  );
  if (stored.status !== 'completed' || stored.kind === 'event_loop') {
    flame.replaceWith(h('p.muted', {}, 'No flame graph for this profile.'));
    return;
  }
  const folded = await api.collapsed(id);
  flameWithControls(flame, (idle) => parseCollapsed(folded, idle), stored.kind === 'heap' ? 'bytes' : 'samples');
}

export async function diffPage(a: string, b: string): Promise<void> {
  const [ta, tb] = await Promise.all([api.collapsed(a), api.collapsed(b)]);
  const flame = h('div', { id: 'flame' });
  fill(
    h('h1', {}, 'Profile diff'),
    h('p', {}, 'before ', link(`#/profile/${a}`, a.slice(0, 8)), ' → after ', link(`#/profile/${b}`, b.slice(0, 8)), h('span.muted', {}, ' · widths are the "after" profile; red grew, blue shrank (share of the total, scaled)')),
    flame,
  );
  flame.classList.add('diff');
  flameWithControls(flame, (idle) => diffTrees(parseCollapsed(ta, idle), parseCollapsed(tb, idle)), 'samples');
}
