// The sessions list (/ui/) and the batches list (/ui/batches): filtered and paged by livyd
// (GET /sessions or /batches with state, kind, owner, proxyUser, order=desc, from and size),
// so a page costs the same with ten or ten thousand finished batches. Ages come from livyd's
// monitoring fields (detailed=true: detailed.createdAt).
'use strict';

(() => {
  const { api, el, clear, externalLink, stateBadge, orDash, age, showError, confirmButton, poll } = ui;
  const isSessions = document.body.dataset.page === 'sessions';
  const collection = isSessions ? 'sessions' : 'batches';
  const liveStates = isSessions
    ? ['not_started', 'starting', 'recovering', 'idle', 'busy', 'shutting_down']
    : ['not_started', 'starting', 'running'];
  const finalStates = ['success', 'dead', 'killed', 'error'];
  const form = document.getElementById('filters');
  const table = document.getElementById('list');
  const summary = document.getElementById('summary');
  const pager = document.getElementById('pager');

  // The filters and the page live in the address, so a reload or a shared link keeps them.
  function readQuery() {
    const params = new URLSearchParams(location.search);
    const size = Number(params.get('size')) || 50;
    return {
      state: params.get('state') || '',
      kind: params.get('kind') || '',
      owner: params.get('owner') || '',
      proxyUser: params.get('proxyUser') || '',
      page: Math.max(0, Number(params.get('page')) || 0),
      size: [25, 50, 100, 200].includes(size) ? size : 50,
    };
  }

  function writeQuery(query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== '' && !(key === 'page' && value === 0) && !(key === 'size' && value === 50)) {
        params.set(key, value);
      }
    }
    const search = params.toString();
    history.replaceState(null, '', location.pathname + (search ? '?' + search : ''));
  }

  let query = readQuery();
  let rows = new Map();  // id -> {key: the item as JSON, node: its row}
  for (const name of ['state', 'kind', 'owner', 'proxyUser', 'size']) {
    if (form.elements[name]) form.elements[name].value = String(query[name]);
  }

  function apiPath() {
    const params = new URLSearchParams({ order: 'desc', from: query.page * query.size, size: query.size,
                                         detailed: 'true' });
    const states = query.state === 'live' ? liveStates : query.state === 'finished' ? finalStates
      : query.state ? [query.state] : [];
    if (states.length) params.set('state', states.join(','));
    if (isSessions && query.kind) params.set('kind', query.kind);
    if (query.owner) params.set('owner', query.owner);
    if (query.proxyUser) params.set('proxyUser', query.proxyUser);
    return `/${collection}?${params}`;
  }

  function row(item) {
    const id = item.id;
    const logPage = isSessions ? `/ui/session/${id}/log` : `/ui/batch/${id}/log`;
    const idCell = isSessions ? el('a', { href: `/ui/session/${id}` }, String(id)) : el('a', { href: logPage }, String(id));
    const info = item.appInfo || {};
    const links = el('td', { class: 'links' },
      el('a', { href: logPage }, 'log'),
      externalLink(info.sparkUiUrl, 'Spark UI'),
      externalLink(info.driverLogUrl, 'driver log'));
    const live = !finalStates.includes(item.state);
    const action = isSessions
      ? confirmButton('Kill', 'Really kill?', () => api('DELETE', `/sessions/${id}`).then(refresh))
      : live ? confirmButton('Kill', 'Really kill?', () => api('DELETE', `/batches/${id}`).then(refresh)) : null;
    return el('tr', { 'data-id': id },
      el('td', { class: 'num' }, idCell),
      el('td', { class: 'name' }, orDash(item.name)),
      isSessions ? el('td', {}, orDash(item.kind)) : null,
      el('td', {}, stateBadge(item.state)),
      el('td', {}, orDash(item.owner)),
      el('td', {}, orDash(item.proxyUser)),
      el('td', { class: 'mono' }, orDash(item.appId)),
      ageCell((item.detailed || {}).createdAt),
      links,
      el('td', { class: 'actions' }, action));
  }

  // The age cell of a row: its text is brought up to date on every refresh (updateAges).
  function ageCell(createdAt) {
    const created = createdAt > 0 ? createdAt : null;
    return el('td', { class: 'age', 'data-created': created, title: created ? new Date(created).toISOString() : null },
      created ? age(created, Date.now()) : '\u2013');
  }

  function updateAges(body) {
    const now = Date.now();
    for (const cell of body.querySelectorAll('td.age[data-created]')) {
      cell.textContent = age(Number(cell.dataset.created), now);
    }
  }

  function pageButton(label, page, enabled) {
    const button = el('button', { type: 'button', disabled: !enabled }, label);
    button.addEventListener('click', () => {
      query.page = page;
      writeQuery(query);
      refresh();
    });
    return button;
  }

  async function load() {
    const reply = await api('GET', apiPath());
    const items = reply.sessions || []; // Livy names the list "sessions" for batches too
    const total = reply.total || 0;
    const pages = Math.max(1, Math.ceil(total / query.size));
    if (query.page >= pages && total > 0) {
      query.page = pages - 1;
      writeQuery(query);
      return load();
    }
    // A row whose item has not changed stays (with a half-confirmed Kill or Delete).
    const body = table.tBodies[0];
    const seen = new Map();
    clear(body);
    for (const item of items) {
      const key = JSON.stringify(item);
      const old = rows.get(item.id);
      const node = old && old.key === key ? old.node : row(item);
      seen.set(item.id, { key, node });
      body.appendChild(node);
    }
    rows = seen;
    updateAges(body);
    if (items.length === 0) {
      const columns = table.tHead.rows[0].cells.length;
      body.appendChild(el('tr', { class: 'empty' }, el('td', { colspan: columns }, `No ${collection} match.`)));
    }
    const first = query.page * query.size + 1;
    summary.textContent = total === 0 ? `No ${collection}`
      : `${first}\u2013${first + items.length - 1} of ${total.toLocaleString('en-US')} ${collection}, newest first`;
    clear(pager);
    pager.append(
      pageButton('\u00ab First', 0, query.page > 0),
      pageButton('\u2039 Newer', query.page - 1, query.page > 0),
      el('span', { class: 'page-no' }, `page ${query.page + 1} of ${pages}`),
      pageButton('Older \u203a', query.page + 1, query.page + 1 < pages),
      pageButton('Last \u00bb', pages - 1, query.page + 1 < pages));
    showError(null);
  }

  const refresh = poll(load, () => 5000);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    query = {
      state: form.elements.state.value,
      kind: form.elements.kind ? form.elements.kind.value : '',
      owner: form.elements.owner.value.trim(),
      proxyUser: form.elements.proxyUser.value.trim(),
      page: 0,
      size: Number(form.elements.size.value) || 50,
    };
    writeQuery(query);
    refresh();
  });
})();
