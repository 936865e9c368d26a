// One session (/ui/session/{id}): its fields, its statements newest first (code highlighted,
// state, progress, duration, output), a form that runs a statement, and kill and cancel buttons.
'use strict';

(() => {
  const { api, el, clear, externalLink, stateBadge, orDash, duration, showError, confirmButton, poll, pathPart } = ui;
  const ref = pathPart(2);
  const base = `/sessions/${encodeURIComponent(ref)}`;
  const finalSession = ['error', 'dead', 'killed', 'success'];
  const finalStatement = ['available', 'error', 'cancelled'];
  const PAGE = 20;

  const summary = document.getElementById('summary');
  const title = document.getElementById('title');
  const list = document.getElementById('statements');
  const pager = document.getElementById('pager');
  const form = document.getElementById('run');
  const codeBox = form.elements.code;
  const kindBox = form.elements.kind;
  const runButton = form.querySelector('button[type=submit]');
  const runNote = document.getElementById('run-note');

  let session = null;
  let gone = false;
  let page = 0;
  let busyStatements = false;
  let rendered = new Map();  // statement id -> {key: its reply as JSON, node}
  const kinds = new Map();  // statement id -> the kind this page ran it with (Livy's replies omit it)

  function field(label, value) {
    return [el('dt', {}, label), el('dd', {}, value)];
  }

  function showSession() {
    document.title = `Session ${session.id} \u00b7 livyd`;
    title.textContent = `Session ${session.id}` + (session.name ? ` \u2013 ${session.name}` : '');
    const info = session.appInfo || {};
    clear(summary);
    summary.append(...[
      field('State', stateBadge(session.state)),
      field('Kind', orDash(session.kind)),
      field('Owner', orDash(session.owner)),
      field('Proxy user', orDash(session.proxyUser)),
      field('Application', el('span', { class: 'mono' }, orDash(session.appId))),
      field('Links', el('span', { class: 'links' },
        el('a', { href: `/ui/session/${session.id}/log` }, 'log'),
        externalLink(info.sparkUiUrl, 'Spark UI'),
        externalLink(info.driverLogUrl, 'driver log'))),
    ].flat());
    const actions = document.getElementById('actions');
    clear(actions);
    if (!finalSession.includes(session.state)) {
      actions.append(confirmButton('Kill session', 'Really kill?', async () => {
        await api('DELETE', base);
        refresh();
      }));
    }
    const open = session.state === 'idle' || session.state === 'busy';
    runButton.disabled = !open;
    runNote.textContent = open ? '' : `The session is ${session.state}: statements run once it is idle.`;
    if (!kindBox.dataset.chosen) kindBox.value = session.kind && session.kind !== 'shared' ? session.kind : 'pyspark';
  }

  function statementNode(st) {
    const started = st.started > 0 ? st.started : 0;
    const ended = st.completed > 0 ? st.completed : 0;
    const took = started ? duration((ended || Date.now()) - started) : '';
    const progress = el('progress', { max: 1, value: typeof st.progress === 'number' ? st.progress : 0 });
    const live = !finalStatement.includes(st.state);
    const cancel = live ? confirmButton('Cancel', 'Really cancel?', async () => {
      await api('POST', `${base}/statements/${st.id}/cancel`);
      refresh();
    }) : null;
    const kind = kinds.get(st.id) || (session && session.kind);
    return el('article', { class: 'statement', 'data-id': st.id, 'data-state': st.state },
      el('header', {},
        el('span', { class: 'st-id' }, `#${st.id}`),
        stateBadge(st.state),
        progress,
        el('span', { class: 'st-progress' }, `${Math.round((st.progress || 0) * 100)}%`),
        el('span', { class: 'st-duration' }, took),
        cancel),
      el('pre', { class: 'code' }, highlight.codeElement(String(st.code || ''), kind)),
      renderOutput(st.output));
  }

  async function loadStatements() {
    const reply = await api('GET', `${base}/statements?order=desc&from=${page * PAGE}&size=${PAGE}`);
    const items = reply.statements || [];
    const total = reply.total || 0;
    busyStatements = items.some((st) => !finalStatement.includes(st.state));
    // A statement whose reply has not changed keeps its node (and a half-confirmed Cancel);
    // a running one's duration is brought up to date.
    const seen = new Map();
    clear(list);
    for (const st of items) {
      const key = JSON.stringify(st) + (kinds.get(st.id) || '');
      const old = rendered.get(st.id);
      const node = old && old.key === key ? old.node : statementNode(st);
      seen.set(st.id, { key, node });
      if (st.started > 0 && !(st.completed > 0)) {
        node.querySelector('.st-duration').textContent = duration(Date.now() - st.started);
      }
      list.appendChild(node);
    }
    rendered = seen;
    if (items.length === 0) list.appendChild(el('p', { class: 'empty' }, 'No statements yet.'));
    const pages = Math.max(1, Math.ceil(total / PAGE));
    clear(pager);
    const go = (label, to, enabled) => {
      const b = el('button', { type: 'button', disabled: !enabled }, label);
      b.addEventListener('click', () => { page = to; refresh(); });
      return b;
    };
    if (pages > 1) {
      pager.append(go('\u2039 Newer', page - 1, page > 0), el('span', { class: 'page-no' }, `page ${page + 1} of ${pages}`),
        go('Older \u203a', page + 1, page + 1 < pages));
    }
  }

  // The whole session is read when its state changes (GET /sessions/{id} also renews its
  // heartbeat, as any client's GET does); its state alone on the other polls.
  async function tick() {
    if (gone) return;
    try {
      if (session) {
        const { state } = await api('GET', `${base}/state`);
        if (state !== session.state) session = await api('GET', base);
      } else {
        session = await api('GET', base);
      }
    } catch (e) {
      if (e.status === 404) {
        gone = true;
        title.textContent = `Session ${ref}`;
        clear(summary);
        summary.append(...field('State', 'deleted: livyd no longer knows this session'));
        clear(document.getElementById('actions'));
        runButton.disabled = true;
        return;
      }
      throw e;
    }
    showSession();
    await loadStatements();
    showError(null);
  }

  const refresh = poll(tick, () => (gone ? 60000 : busyStatements || !finalSession.includes(session && session.state) ? 1000 : 5000));

  kindBox.addEventListener('change', () => { kindBox.dataset.chosen = '1'; });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const code = codeBox.value;
    if (!code.trim()) return;
    runButton.disabled = true;
    try {
      const st = await api('POST', `${base}/statements`, { code, kind: kindBox.value });
      kinds.set(st.id, kindBox.value);
      codeBox.value = '';
      page = 0;
      showError(null);
    } catch (e) {
      showError(`Run: ${e.message}`);
    }
    refresh();
  });
  // Ctrl+Enter (or Cmd+Enter) runs the statement, as in notebooks.
  codeBox.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });
})();
