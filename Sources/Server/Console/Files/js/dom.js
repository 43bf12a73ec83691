// Small DOM helpers: element builder, notices, sessionStorage state.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);

export function notice(message) { $('#notice').textContent = message || ''; }

/** Shows an error (the server's __type and Message) in `target`. */
export function showError(target, error) {
  target.replaceChildren(h('p', { class: 'error', role: 'alert' }, String(error.message || error)));
}

export function stored(key, fallback) {
  try { const v = sessionStorage.getItem(key); return v === null ? fallback : JSON.parse(v); } catch { return fallback; }
}
export function store(key, value) { sessionStorage.setItem(key, JSON.stringify(value)); }

export function currentLedger() { return stored('tally.ledger', ''); }
export function setCurrentLedger(name) { store('tally.ledger', name); }

/** A table from rows of objects (columns = union of keys, in order of appearance). */
export function objectTable(rows, render = (v) => String(v), id) {
  const cols = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  return h('table', { id },
    h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, cols.map((c) => h('td', {}, c in r ? render(r[c]) : ''))))));
}
