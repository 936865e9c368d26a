// A statement's output, by MIME type: text/plain as text, application/json indented, Livy's
// table type (application/vnd.livy.table.v1+json) as a table, image/png as an image, and an
// error as its name, value and traceback. Every value is text on the page; text/html and other
// types a driver may send are shown as their source, never rendered.
'use strict';

const renderOutput = (() => {
  const { el } = ui;
  const TABLE = 'application/vnd.livy.table.v1+json';
  const MAX_ROWS = 1000;

  function cellText(value) {
    if (value === null || value === undefined) return 'null';
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }

  function table(value) {
    const headers = Array.isArray(value && value.headers) ? value.headers : [];
    const rows = Array.isArray(value && value.data) ? value.data : [];
    const head = el('tr', {}, headers.map((h) => el('th', {},
      cellText(h && h.name), h && h.type ? el('span', { class: 'col-type' }, cellText(h.type)) : null)));
    const body = el('tbody', {}, rows.slice(0, MAX_ROWS).map((row) =>
      el('tr', {}, (Array.isArray(row) ? row : [row]).map((cell) => el('td', {}, cellText(cell))))));
    const more = rows.length > MAX_ROWS ? el('p', { class: 'note' }, `${rows.length - MAX_ROWS} more rows not shown`) : null;
    return el('div', { class: 'out-table' }, el('table', {}, el('thead', {}, head), body), more);
  }

  function image(value) {
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/=\s]+$/.test(value)) {
      return el('pre', { class: 'out-text' }, '(an image/png output that is not base64)');
    }
    const img = el('img', { class: 'out-image', alt: 'image/png output' });
    img.src = 'data:image/png;base64,' + value.replace(/\s+/g, '');
    return img;
  }

  function error(output) {
    const trace = Array.isArray(output.traceback) ? output.traceback.map(cellText).map((l) => (l.endsWith('\n') ? l : l + '\n')).join('') : '';
    return el('div', { class: 'out-error' },
      el('div', { class: 'ename' }, cellText(output.ename), ': ', el('span', { class: 'evalue' }, cellText(output.evalue))),
      trace ? el('pre', { class: 'traceback' }, trace) : null);
  }

  // The node that shows `output` (a Livy statement's output object), or null.
  return function renderOutput(output) {
    if (!output || typeof output !== 'object') return null;
    if (output.status === 'error') return el('div', { class: 'output' }, error(output));
    const data = output.data && typeof output.data === 'object' ? output.data : {};
    const parts = [];
    if (TABLE in data) parts.push(table(data[TABLE]));
    if ('image/png' in data) parts.push(image(data['image/png']));
    if ('application/json' in data) {
      parts.push(el('pre', { class: 'out-json' }, JSON.stringify(data['application/json'], null, 2)));
    }
    // text/plain is the fallback Livy adds beside richer types: shown when nothing else is.
    if (parts.length === 0 && 'text/plain' in data) parts.push(el('pre', { class: 'out-text' }, cellText(data['text/plain'])));
    for (const [mime, value] of Object.entries(data)) {
      if ([TABLE, 'image/png', 'application/json', 'text/plain'].includes(mime)) continue;
      parts.push(el('div', { class: 'out-other' }, el('div', { class: 'mime' }, mime),
        el('pre', { class: 'out-text' }, cellText(value))));
    }
    return el('div', { class: 'output' }, parts);
  };
})();
