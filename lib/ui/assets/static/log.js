// The log viewer (/ui/session/{id}/log, /ui/batch/{id}/log): the output livyd keeps of a
// batch or a session driver (GET .../log, the last log.cache-size lines), followed while it
// runs. livyd keeps a window of the last lines, so `from` shifts once the window is full:
// each poll reads the window's end and appends what follows the lines already shown.
'use strict';

(() => {
  const { api, el, clear, stateBadge, showError, confirmButton, poll, pathPart } = ui;
  const isSession = pathPart(1) === 'session';
  const ref = pathPart(2);
  const base = `/${isSession ? 'sessions' : 'batches'}/${encodeURIComponent(ref)}`;
  const finals = ['error', 'dead', 'killed', 'success'];
  const WINDOW = 1000;       // lines asked for at each poll
  const MAX_SHOWN = 50000;   // lines kept on the page

  const output = document.getElementById('log');
  const follow = document.getElementById('follow');
  const stateBox = document.getElementById('state');
  const countBox = document.getElementById('count');
  const actions = document.getElementById('actions');
  const what = isSession ? 'Session' : 'Batch';
  document.getElementById('title').textContent = `${what} ${ref} \u2013 log`;
  document.title = `${what} ${ref} log \u00b7 livyd`;
  if (isSession) {
    document.getElementById('back').append(el('a', { href: `/ui/session/${encodeURIComponent(ref)}` }, `Session ${ref}`));
  } else {
    document.getElementById('back').append(el('a', { href: '/ui/batches' }, 'Batches'));
  }

  let shown = [];   // the lines on the page (the last WINDOW of them are compared with each poll)
  let state = null;
  let done = false;

  // How many of `lines` are already shown: the longest prefix of `lines` that the shown lines end with.
  function overlap(lines) {
    const tail = shown.slice(-lines.length);
    for (let k = Math.min(tail.length, lines.length); k > 0; k--) {
      let same = true;
      for (let i = 0; i < k && same; i++) same = tail[tail.length - k + i] === lines[i];
      if (same) return k;
    }
    return 0;
  }

  function appendLines(lines, gap) {
    const atBottom = output.scrollTop + output.clientHeight >= output.scrollHeight - 4;
    if (gap) output.appendChild(el('span', { class: 'gap' }, '\u2026 lines not shown: more arrived between two reads than were kept\n'));
    output.appendChild(document.createTextNode(lines.map((l) => l + '\n').join('')));
    shown = shown.concat(lines);
    if (shown.length > MAX_SHOWN) {
      shown = shown.slice(-MAX_SHOWN);
      while (output.childNodes.length > 1 && output.textContent.length > 8 * 1024 * 1024) output.removeChild(output.firstChild);
    }
    if (follow.checked || atBottom) output.scrollTop = output.scrollHeight;
  }

  async function tick() {
    if (done) return;
    let reply;
    try {
      const current = await api('GET', `${base}/state`);
      if (current.state !== state) {
        state = current.state;
        clear(stateBox);
        stateBox.append(stateBadge(state));
        clear(actions);
        if (!finals.includes(state)) {
          actions.append(confirmButton(`Kill ${what.toLowerCase()}`, 'Really kill?', async () => {
            await api('DELETE', base);
            refresh();
          }));
        }
      }
      reply = await api('GET', `${base}/log?size=${WINDOW}`);
    } catch (e) {
      if (e.status === 404) {
        done = true;
        clear(stateBox);
        stateBox.append('gone: livyd no longer knows it');
        clear(actions);
        return;
      }
      throw e;
    }
    const lines = Array.isArray(reply.log) ? reply.log.map(String) : [];
    const k = overlap(lines);
    const fresh = lines.slice(k);
    if (fresh.length) appendLines(fresh, shown.length > 0 && k === 0);
    countBox.textContent = `${shown.length} lines`;
    // A final state: one more read after it (the last lines land with it), then no more polls.
    if (finals.includes(state)) done = fresh.length === 0;
    showError(null);
  }

  const refresh = poll(tick, () => (done ? 3600000 : 1000));
  follow.addEventListener('change', () => {
    if (follow.checked) output.scrollTop = output.scrollHeight;
  });
})();
