/// The page's inline stylesheet (`HTMLAssets+Style.swift`) and script.
enum HTMLAssets {
    /// Draws the session table from the embedded JSON: sorting by any column,
    /// a text filter, status checkboxes, rows that expand to their entries and
    /// findings, rendered 200 rows at a time. Strings reach the page through
    /// `textContent` only (never `innerHTML`), hidden characters shown as
    /// markers as in ``ReportText``. The URL fragment presets the view for
    /// links and for tests: `#q=text&status=failed,export_failed&problems=1&sort=size-desc&expand=all`.
    static let script = #"""
    (() => {
    'use strict';
    const root = document.documentElement;
    addEventListener('error', (event) => root.setAttribute('data-ec-error', String(event.message)));
    const byId = (id) => document.getElementById(id);
    const DATA = JSON.parse(byId('ec-sessions').textContent);
    const SESSIONS = DATA.sessions;
    const META = DATA.meta;
    const PAGE = 200;
    let ENTRIES = null;
    const entriesOf = (i) => {
      if (ENTRIES === null) ENTRIES = JSON.parse(byId('ec-entries').textContent);
      return { list: ENTRIES.sessions[i] || [], more: ENTRIES.more[i] || 0, strings: ENTRIES.strings };
    };

    // The characters ReportText.isHidden names: controls, bidi overrides, zero-width.
    const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]/g;
    const HAS_HIDDEN = new RegExp(HIDDEN.source);
    const marker = (ch) => {
      const code = ch.codePointAt(0);
      if (code < 0x20) return String.fromCodePoint(0x2400 + code);
      if (code === 0x7f) return '\u2421';
      return '\u27e6U+' + code.toString(16).toUpperCase().padStart(4, '0') + '\u27e7';
    };
    const plain = (value) => value == null ? '' : String(value).replace(HIDDEN, marker);
    // Text into a node, never markup; hidden characters as highlighted markers.
    const put = (node, value) => {
      const text = value == null ? '' : String(value);
      if (!HAS_HIDDEN.test(text)) { node.textContent = text; return node; }
      node.textContent = '';
      let last = 0;
      for (const match of text.matchAll(HIDDEN)) {
        if (match.index > last) node.append(text.slice(last, match.index));
        const span = document.createElement('span');
        span.className = 'ctl';
        span.textContent = marker(match[0]);
        span.title = 'hidden character';
        node.append(span);
        last = match.index + match[0].length;
      }
      if (last < text.length) node.append(text.slice(last));
      return node;
    };
    const make = (tag, className, text) => {
      const node = document.createElement(tag);
      if (className) node.className = className;
      if (text !== undefined) put(node, text);
      return node;
    };

    const fmtInt = (n) => n == null ? '' : Number(n).toLocaleString('en-US');
    const fmtNum = (n) => n == null ? '' : (Math.round(n * 10) / 10).toLocaleString('en-US');
    const fmtBytes = (n) => {
      if (n == null) return '';
      const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
      let value = n, unit = 0;
      while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
      return unit === 0 ? n + ' B' : value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0) + ' ' + units[unit];
    };
    const fmtTime = (text) => text == null ? '' : String(text).replace('T', ' ');

    const STATUS_CLASS = { collected: 'collected', failed: 'failed', export_failed: 'export-failed', skipped: 'skipped' };
    const statusClass = (status) => STATUS_CLASS[status] || 'other';
    const LABELS = Object.fromEntries(META.statuses.map(([status, label]) => [status, label]));
    const problemScore = (s) => (s.r <= 1 ? 1e9 : 0) + (s.fe || 0) * 1000 + (s.fn || 0) + (s.p ? 1 : 0);

    const problemCell = (td, s) => {
      if (s.p) {
        const [stage, kind, message] = s.p;
        const bad = s.r <= 1 || s.fe;
        if (stage || kind) td.append(make('span', 'tag ' + (bad ? 'bad' : 'warn'), [stage, kind].filter(Boolean).join(' · ')));
        if (message) { const m = make('span', 'msg', message); m.title = plain(message); td.append(m); }
      }
      if (s.fn > 1 || (s.fn && !s.p)) td.append(make('span', 'tag warn', fmtInt(s.fn) + ' finding' + (s.fn === 1 ? '' : 's')));
    };
    const perfText = (key) => (s) => s.pf && s.pf[key] ? fmtNum(s.pf[key][4]) : '';
    const perfTitle = (key) => (s) => {
      const p = s.pf && s.pf[key];
      return p ? plain(p[0]) + ': mean ' + fmtNum(p[1]) + ' · p95 ' + fmtNum(p[2]) + ' · max ' + fmtNum(p[3]) : '';
    };
    const COLUMNS = [
      { id: 'status', label: 'Status', key: (s) => s.r, cell: (td, s) => td.append(make('span', 'chip st-' + statusClass(s.s), LABELS[s.s] || s.s)) },
      { id: 'session', label: 'Session', key: (s) => s.i, cls: 'mono name', text: (s) => s.i },
      { id: 'group', label: 'Stream group', key: (s) => s.g, cls: 'mono name', text: (s) => s.g },
      { id: 'app', label: 'Application', key: (s) => s.a, cls: 'mono name', text: (s) => s.a },
      { id: 'location', label: 'Location', key: (s) => s.l, cls: 'nowrap', text: (s) => s.l },
      { id: 'user', label: 'User', key: (s) => s.u, cls: 'name', text: (s) => s.u },
      { id: 'created', label: 'Created (UTC)', key: (s) => s.t != null ? s.t : s.c, cls: 'nowrap', text: (s) => fmtTime(s.c), desc: true },
      { id: 'size', label: 'Archive', key: (s) => s.b, cls: 'num', text: (s) => fmtBytes(s.b), title: (s) => s.b == null ? '' : fmtInt(s.b) + ' bytes', desc: true },
      { id: 'entries', label: 'Entries', key: (s) => s.n, cls: 'num', text: (s) => fmtInt(s.n), desc: true },
      { id: 'problems', label: 'Problems', key: problemScore, cls: 'problem', cell: problemCell, desc: true },
      ...META.perf.map(([key, label]) => ({ id: key, label, key: (s) => s.pf && s.pf[key] ? s.pf[key][4] : null, cls: 'num', text: perfText(key), title: perfTitle(key), desc: true })),
    ];

    const hay = SESSIONS.map((s) => [
      s.i, s.s, LABELS[s.s], s.g, s.a, s.l, s.u, s.c, s.h, ...(s.p || []), ...(s.as || []),
      ...(s.f || []).flatMap((f) => [f[0], f[1]]),
    ].filter((v) => v != null).join('\n').toLowerCase());

    const params = new URLSearchParams(location.hash.replace(/^#/, ''));
    const state = {
      query: params.get('q') || '',
      statuses: new Set(params.get('status') ? params.get('status').split(',') : META.statuses.map((s) => s[0])),
      problemsOnly: params.get('problems') === '1',
      sort: null, dir: 1, limit: PAGE, expanded: new Set(),
    };
    if (params.get('sort')) {
      const [id, dir] = params.get('sort').split('-');
      if (COLUMNS.some((c) => c.id === id)) { state.sort = id; state.dir = dir === 'desc' ? -1 : 1; }
    }

    const tbody = byId('rows');
    const head = byId('head');
    const query = byId('q');
    const problemsOnly = byId('problems-only');
    const more = byId('more');
    const expandAll = byId('expand-all');
    let view = [];

    const compare = (a, b, dir) => {
      const an = a == null || a === '', bn = b == null || b === '';
      if (an || bn) return an === bn ? 0 : an ? 1 : -1;
      return (a < b ? -1 : a > b ? 1 : 0) * dir;
    };
    // Failures first, newest first within a status, then by session id.
    const byDefault = (x, y) => x.r - y.r || compare(x.t, y.t, -1) || compare(x.i, y.i, 1);

    const computeView = () => {
      const tokens = state.query.toLowerCase().split(/\s+/).filter(Boolean);
      view = [];
      for (let i = 0; i < SESSIONS.length; i++) {
        const s = SESSIONS[i];
        if (!state.statuses.has(s.s) && !(statusClass(s.s) === 'other' && state.statuses.has('other'))) continue;
        if (state.problemsOnly && !(s.p || s.fn || s.fe || s.r <= 1)) continue;
        if (tokens.length && !tokens.every((t) => hay[i].includes(t))) continue;
        view.push(i);
      }
      const column = COLUMNS.find((c) => c.id === state.sort);
      if (column) {
        const keys = SESSIONS.map(column.key);
        view.sort((a, b) => compare(keys[a], keys[b], state.dir) || byDefault(SESSIONS[a], SESSIONS[b]));
      } else {
        view.sort((a, b) => byDefault(SESSIONS[a], SESSIONS[b]));
      }
    };

    const renderRow = (i) => {
      const s = SESSIONS[i];
      const tr = document.createElement('tr');
      tr.className = 'srow' + (s.r <= 1 ? ' bad' : s.r === 2 ? ' warn' : '');
      tr.dataset.i = i;
      const first = document.createElement('td');
      const toggle = make('button', 'toggle', state.expanded.has(i) ? '\u25be' : '\u25b8');
      toggle.type = 'button';
      toggle.setAttribute('aria-expanded', String(state.expanded.has(i)));
      toggle.setAttribute('aria-label', 'Details of session ' + plain(s.i));
      first.append(toggle);
      tr.append(first);
      for (const column of COLUMNS) {
        const td = document.createElement('td');
        if (column.cls) td.className = column.cls;
        if (column.cell) column.cell(td, s); else put(td, column.text(s));
        // Names are cut to one line in the table: the full text on hover.
        const title = column.title ? column.title(s) : column.cls && column.cls.includes('name') ? plain(column.text(s)) : '';
        if (title) td.title = title;
        tr.append(td);
      }
      return tr;
    };

    const smallTable = (headers, rows) => {
      const table = make('table', 'sub');
      const headRow = document.createElement('tr');
      for (const [label, cls] of headers) headRow.append(make('th', cls || '', label));
      table.append(make('thead'));
      table.tHead.append(headRow);
      const body = document.createElement('tbody');
      for (const cells of rows) {
        const tr = document.createElement('tr');
        cells.forEach((cell, index) => {
          const td = make('td', headers[index][1] || '', cell && typeof cell === 'object' ? cell.text : cell);
          if (cell && typeof cell === 'object') { if (cell.cls) td.classList.add(...cell.cls.split(' ')); if (cell.title) td.title = plain(cell.title); }
          tr.append(td);
        });
        body.append(tr);
      }
      table.append(body);
      return table;
    };

    const renderDetail = (i) => {
      const s = SESSIONS[i];
      const tr = make('tr', 'drow');
      const td = document.createElement('td');
      td.colSpan = COLUMNS.length + 1;
      tr.append(td);
      const facts = make('dl', 'facts');
      const fact = (label, value, cls) => {
        if (value == null || value === '') return;
        facts.append(make('dt', '', label), make('dd', cls || '', value));
      };
      fact('Session', s.i, 'mono');
      fact('Status', (LABELS[s.s] || s.s) + (s.as ? ' (service: ' + s.as.filter(Boolean).join(', ') + ')' : ''));
      if (s.p) fact('Problem', s.p.filter(Boolean).join(' · '));
      fact('Stream group', s.g, 'mono');
      fact('Application', s.a, 'mono');
      fact('Location', s.l);
      fact('User', s.u);
      fact('Created', s.c);
      if (s.b != null) fact('Archive', fmtBytes(s.b) + ' (' + fmtInt(s.b) + ' bytes)' + (s.n != null ? ', ' + fmtInt(s.n) + ' entries' : ''));
      fact('Archive SHA-256', s.h, 'mono');
      for (const [key, label] of META.perf) {
        const p = s.pf && s.pf[key];
        if (p) fact(label.split(' ')[0], plain(p[0]) + ': mean ' + fmtNum(p[1]) + ', p95 ' + fmtNum(p[2]) + ', max ' + fmtNum(p[3]));
      }
      td.append(facts);
      if (s.f) {
        td.append(make('h3', '', 'Findings (' + fmtInt(s.fn) + ')'));
        td.append(smallTable([['Kind'], ['Path', 'path mono'], ['Message']], s.f.map((f) => [f[0], f[1], f[2]])));
        if (s.fn > s.f.length) td.append(make('p', 'muted', '… and ' + fmtInt(s.fn - s.f.length) + ' more findings in the session manifest.'));
      }
      const { list, more: left, strings } = entriesOf(i);
      if (list.length) {
        td.append(make('h3', '', 'Entries (' + fmtInt(list.length + left) + ')'));
        const str = (index) => index == null ? '' : strings[index];
        td.append(smallTable(
          [['Path', 'path mono'], ['Type'], ['Method'], ['Size', 'num'], ['CRC-32', 'mono'], ['SHA-256', 'mono'], ['Status']],
          list.map((e) => [
            str(e[0]), str(e[1]), str(e[2]),
            { text: fmtBytes(e[3]), title: e[3] == null ? '' : fmtInt(e[3]) + ' bytes' },
            e[4] || '', e[5] ? e[5] + '\u2026' : '',
            e[6] != null ? { text: str(e[6]), cls: 'bad-text', title: e[7] || '' } : { text: 'ok', cls: 'ok-text' },
          ])));
        if (left) td.append(make('p', 'muted', '… and ' + fmtInt(left) + ' more entries in entries.csv (failed entries are listed first).'));
      } else if (!s.f) {
        td.append(make('p', 'muted', s.b == null ? 'No archive for this session.' : 'The archive has no entries.'));
      }
      return tr;
    };

    const renderHead = () => {
      head.textContent = '';
      head.append(make('th'));
      for (const column of COLUMNS) {
        const th = make('th', column.cls && column.cls.includes('num') ? 'num' : '');
        const button = make('button', '', column.label);
        button.type = 'button';
        button.dataset.col = column.id;
        th.append(button);
        if (state.sort === column.id) th.setAttribute('aria-sort', state.dir === 1 ? 'ascending' : 'descending');
        head.append(th);
      }
    };

    const renderRows = () => {
      const shown = Math.min(view.length, state.limit);
      const fragment = document.createDocumentFragment();
      for (let k = 0; k < shown; k++) {
        const i = view[k];
        fragment.append(renderRow(i));
        if (state.expanded.has(i)) fragment.append(renderDetail(i));
      }
      tbody.textContent = '';
      tbody.append(fragment);
      const filtered = view.length === SESSIONS.length ? '' : ' (' + fmtInt(SESSIONS.length) + ' in all)';
      byId('shown').textContent = 'Showing ' + fmtInt(shown) + ' of ' + fmtInt(view.length) + ' sessions' + filtered;
      more.hidden = shown >= view.length;
      more.textContent = 'Show ' + fmtInt(Math.min(PAGE, view.length - shown)) + ' more';
      root.setAttribute('data-ec-rows', String(shown));
    };

    const update = () => { state.limit = PAGE; computeView(); renderRows(); };

    const statuses = byId('statuses');
    for (const [status, label, count] of META.statuses) {
      const box = make('label', 'check');
      const input = document.createElement('input');
      input.type = 'checkbox';
      input.value = status;
      input.checked = state.statuses.has(status);
      input.addEventListener('change', () => { if (input.checked) state.statuses.add(status); else state.statuses.delete(status); update(); });
      box.append(input, make('i', 'sw st-' + statusClass(status)), label + ' ', make('span', 'muted', '(' + fmtInt(count) + ')'));
      statuses.append(box);
    }
    query.value = state.query;
    let timer = 0;
    query.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => { state.query = query.value; update(); }, SESSIONS.length > 2000 ? 150 : 0);
    });
    problemsOnly.checked = state.problemsOnly;
    problemsOnly.addEventListener('change', () => { state.problemsOnly = problemsOnly.checked; update(); });
    head.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-col]');
      if (!button) return;
      const column = COLUMNS.find((c) => c.id === button.dataset.col);
      if (state.sort === column.id) state.dir = -state.dir; else { state.sort = column.id; state.dir = column.desc ? -1 : 1; }
      renderHead();
      update();
    });
    more.addEventListener('click', () => { state.limit += PAGE; renderRows(); });
    const toggle = (tr) => {
      const i = Number(tr.dataset.i);
      const button = tr.querySelector('button.toggle');
      if (state.expanded.delete(i)) {
        const next = tr.nextElementSibling;
        if (next && next.classList.contains('drow')) next.remove();
      } else {
        state.expanded.add(i);
        tr.after(renderDetail(i));
      }
      button.textContent = state.expanded.has(i) ? '\u25be' : '\u25b8';
      button.setAttribute('aria-expanded', String(state.expanded.has(i)));
    };
    tbody.addEventListener('click', (event) => {
      const tr = event.target.closest('tr.srow');
      if (!tr) return;
      // A click that ends a text selection is not a toggle.
      if (!event.target.closest('button.toggle') && String(getSelection()).length) return;
      toggle(tr);
    });
    const expandShown = (open) => {
      const shown = view.slice(0, state.limit);
      for (const i of shown) { if (open) state.expanded.add(i); else state.expanded.delete(i); }
      renderRows();
      expandAll.textContent = open ? 'Collapse shown' : 'Expand shown';
    };
    expandAll.addEventListener('click', () => expandShown(expandAll.textContent.startsWith('Expand')));

    renderHead();
    computeView();
    if (params.get('expand') === 'all') { state.limit = Math.max(PAGE, Math.min(view.length, 1000)); expandShown(true); } else renderRows();
    root.setAttribute('data-ec-ready', String(SESSIONS.length));
    // Milliseconds from navigation to a drawn table, for whoever measures the page.
    root.setAttribute('data-ec-ms', String(Math.round(performance.now())));
    })();
    """#
}
