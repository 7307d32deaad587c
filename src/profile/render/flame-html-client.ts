/**
 * The browser script of the interactive flame graph page, as source text: it reads the frames from
 * the `#flame-data` JSON block and draws them as absolutely positioned divs (icicle: root on top).
 * Click zooms into a frame (its ancestors stay drawn, faded, and zoom back out when clicked);
 * the search box highlights frames whose name or location matches (a regular expression, or plain
 * text if it is not one) and shows their share; Reset or Escape undoes both. The document's
 * `data-focus` attribute names the zoomed frame, so tests and scripts can read the state.
 */
export const FLAME_CLIENT_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('flame-data').textContent);
  var n = data.depth.length;
  var start = new Float64Array(n), end = new Int32Array(n), parent = new Int32Array(n);
  var cursor = [0], path = [];
  for (var i = 0; i < n; i++) {
    var d = data.depth[i];
    path.length = d;
    parent[i] = d > 0 ? path[d - 1] : -1;
    path.push(i);
    start[i] = cursor[d] || 0;
    cursor[d] = start[i] + data.value[i];
    cursor[d + 1] = start[i];
  }
  var open = [];
  for (var j = 0; j < n; j++) {
    while (open.length && data.depth[open[open.length - 1]] >= data.depth[j]) end[open.pop()] = j;
    open.push(j);
  }
  while (open.length) end[open.pop()] = n;

  var chart = document.getElementById('chart');
  var search = document.getElementById('search');
  var status = document.getElementById('status');
  var focus = 0, matcher = null, row = 18;

  function matches(i) {
    return matcher !== null && (matcher(data.labels[data.label[i]]) || matcher(data.tips[i]));
  }

  function render() {
    var width = chart.clientWidth, x0 = start[focus], span = data.value[focus] || 1;
    var html = [], maxDepth = 0, k;
    var chain = [];
    for (k = parent[focus]; k >= 0; k = parent[k]) chain.push(k);
    function frame(i, left, w, cls) {
      var label = w > 30 ? data.labels[data.label[i]] : '';
      maxDepth = Math.max(maxDepth, data.depth[i]);
      html.push('<div class="f' + cls + (matches(i) ? ' m' : '') + '" data-i="' + i + '" style="left:' + left.toFixed(1) +
        'px;top:' + data.depth[i] * row + 'px;width:' + Math.max(1, w - 1).toFixed(1) + 'px;background:' +
        data.colors[data.color[i]] + '" title="' + escapeHtml(data.tips[i]) + '">' + escapeHtml(label) + '</div>');
    }
    for (k = 0; k < chain.length; k++) frame(chain[k], 0, width, ' a');
    for (var i = focus; i < end[focus]; i++) {
      var w = data.value[i] / span * width;
      if (w < 0.5) continue;
      frame(i, (start[i] - x0) / span * width, w, '');
    }
    chart.innerHTML = html.join('');
    chart.style.height = (maxDepth + 1) * row + 'px';
    document.documentElement.setAttribute('data-focus', String(focus));
    updateStatus();
  }

  function updateStatus() {
    if (matcher === null) { status.textContent = ''; return; }
    var total = 0, count = 0, covered = -1;
    for (var i = 0; i < n; i++) {
      if (i < covered) continue;
      if (matches(i)) { total += data.value[i]; count++; covered = end[i]; }
    }
    status.textContent = count + ' matching frames, ' + (100 * total / (data.value[0] || 1)).toFixed(2) + '% of the total';
  }

  function escapeHtml(s) {
    return s.replace(/[&<>"]/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; });
  }

  function setSearch(text) {
    if (!text) { matcher = null; }
    else {
      var re = null;
      try { re = new RegExp(text, 'i'); } catch (e) { re = null; }
      var lower = text.toLowerCase();
      matcher = re ? function (s) { return re.test(s); } : function (s) { return s.toLowerCase().indexOf(lower) >= 0; };
    }
    render();
  }

  chart.addEventListener('click', function (ev) {
    var el = ev.target.closest('.f');
    if (!el) return;
    focus = Number(el.getAttribute('data-i'));
    render();
  });
  search.addEventListener('input', function () { setSearch(search.value); });
  document.getElementById('reset').addEventListener('click', function () { focus = 0; search.value = ''; setSearch(''); });
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape') { focus = 0; search.value = ''; setSearch(''); }
  });
  window.addEventListener('resize', render);
  render();
})();
`;
