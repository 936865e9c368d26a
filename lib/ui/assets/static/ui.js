// livyd's web UI: what every page shares. Everything shown comes from livyd's REST API and
// is put on the page with DOM calls and textContent only, never parsed as HTML.
'use strict';

const ui = (() => {
  // A request to the REST API with the browser's own credentials (Basic, Negotiate or a
  // cookie, whatever it already sends to livyd) and the CSRF header livyd's
  // server.csrf-protection asks of changes. Resolves to the parsed JSON; rejects with an
  // Error whose message is livyd's {"msg"} and whose `status` is the HTTP status.
  async function api(method, path, body) {
    const init = {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'Accept': 'application/json' },
    };
    if (method !== 'GET') init.headers['X-Requested-By'] = 'livyd-ui';
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    if (!res.ok) {
      const msg = data && typeof data.msg === 'string' ? data.msg : `HTTP ${res.status}`;
      const err = new Error(msg);
      err.status = res.status;
      throw err;
    }
    return data;
  }

  // el('a', {href: u, class: 'x'}, 'text', child...): an element; strings become text nodes.
  // Attributes are set with setAttribute, and only on elements whose values are checked
  // where they come from (see safeUrl); never an on* attribute.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name.startsWith('on')) throw new Error('no event attributes');
      if (name === 'class') node.className = value;
      else if (name === 'text') node.textContent = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) append(node, child);
    return node;
  }

  function append(node, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child)) child.forEach((c) => append(node, c));
    else if (child instanceof Node) node.appendChild(child);
    else node.appendChild(document.createTextNode(String(child)));
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  // Only http(s) URLs become links: a javascript: or data: URL from a cluster manager or a
  // driver must not run anything.
  function safeUrl(text) {
    if (typeof text !== 'string' || text === '') return null;
    try {
      const url = new URL(text, location.href);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function externalLink(url, label) {
    const href = safeUrl(url);
    return href ? el('a', { href, rel: 'noopener noreferrer', target: '_blank' }, label) : null;
  }

  function stateBadge(state) {
    return el('span', { class: 'state state-' + String(state).replace(/[^a-z_]/g, '') }, String(state));
  }

  function orDash(value) {
    return value === undefined || value === null || value === '' ? '\u2013' : String(value);
  }

  // 1234 ms -> "1.2 s", 75000 -> "1 min 15 s".
  function duration(ms) {
    if (!(ms >= 0)) return '';
    if (ms < 1000) return `${Math.round(ms)} ms`;
    const s = ms / 1000;
    if (s < 60) return `${s.toFixed(1)} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
    const h = Math.floor(m / 60);
    return `${h} h ${m - h * 60} min`;
  }

  // How long ago `createdMs` (epoch ms) was, coarsely: "45 s", "12 min", "3 h 5 min", "4 d 2 h";
  // '' when unknown.
  function age(createdMs, nowMs) {
    if (!(createdMs > 0)) return '';
    const s = Math.max(0, Math.floor((nowMs - createdMs) / 1000));
    if (s < 60) return `${s} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} min`;
    const h = Math.floor(m / 60);
    if (h < 24) return `${h} h ${m - h * 60} min`;
    const d = Math.floor(h / 24);
    return `${d} d ${h - d * 24} h`;
  }

  // The error line of a page: shown with a message, hidden with null.
  function showError(message) {
    const box = document.getElementById('error');
    if (!box) return;
    box.textContent = message || '';
    box.hidden = !message;
  }

  // A button that asks once more before it acts: the first click arms it for a few seconds,
  // the second runs `action` (no modal dialog).
  function confirmButton(label, confirmLabel, action) {
    const button = el('button', { type: 'button', class: 'danger' }, label);
    let armed = null;
    button.addEventListener('click', async () => {
      if (!armed) {
        button.textContent = confirmLabel;
        button.classList.add('armed');
        armed = setTimeout(() => {
          armed = null;
          button.textContent = label;
          button.classList.remove('armed');
        }, 4000);
        return;
      }
      clearTimeout(armed);
      armed = null;
      button.disabled = true;
      button.classList.remove('armed');
      button.textContent = label;
      try {
        await action();
        showError(null);
      } catch (e) {
        showError(`${label}: ${e.message}`);
      } finally {
        button.disabled = false;
      }
    });
    return button;
  }

  // Calls `tick` now and again after each run, `delay()` ms later (re-read each time), while
  // the page is visible; returns a function that runs it at once.
  function poll(tick, delay) {
    let timer = null;
    let running = false;
    async function run() {
      clearTimeout(timer);
      if (running) return;
      running = true;
      try {
        await tick();
      } catch (e) {
        showError(e.message);
      } finally {
        running = false;
        timer = setTimeout(wait, delay());
      }
    }
    function wait() {
      if (document.hidden) timer = setTimeout(wait, 1000);
      else run();
    }
    run();
    return run;
  }

  // The numeric or named id in /ui/session/{id}... (the page's address).
  function pathPart(index) {
    const parts = location.pathname.split('/').filter((p) => p !== '');
    return parts.length > index ? decodeURIComponent(parts[index]) : null;
  }

  return { api, el, append, clear, safeUrl, externalLink, stateBadge, orDash, duration, age, showError,
           confirmButton, poll, pathPart };
})();
