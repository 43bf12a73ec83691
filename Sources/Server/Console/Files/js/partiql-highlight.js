// PartiQL tokens for the editor: highlighting and statement splitting.
// Strings '…', quoted identifiers "…", Ion literals `…`, -- and /* */
// comments never split a statement on ';'.
import { h } from './dom.js';

const KEYWORDS = new Set(('select from where insert into value values update set delete remove create drop table index ' +
  'on as at by and or not in is null missing true false like between exists case when then else end order group ' +
  'having limit offset distinct all undrop redact_revision history with begin start transaction commit abort ' +
  'pivot unpivot let union intersect except asc desc count sum avg min max').split(' '));

const TOKEN = /(--[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|('(?:[^']|'')*'?)|("(?:[^"]|"")*"?)|(`[^`]*`?)|(\b\d+(?:\.\d*)?(?:[eEdD][+-]?\d+)?\b)|([A-Za-z_][A-Za-z0-9_]*)|(;)|([\s\S])/g;

export function tokens(text) {
  const out = [];
  for (const m of text.matchAll(TOKEN)) {
    const kind = m[1] ? 'com' : m[2] ? 'str' : m[3] ? 'id' : m[4] ? 'ion' : m[5] ? 'num'
      : m[6] ? (KEYWORDS.has(m[6].toLowerCase()) ? 'kw' : 'id') : m[7] ? 'semi' : 'other';
    out.push({ kind, text: m[0] });
  }
  return out;
}

/** Highlighted nodes for `text`. */
export function highlight(text) {
  return tokens(text).map((t) => (['kw', 'str', 'num', 'ion', 'com'].includes(t.kind)
    ? h('span', { class: 'tok-' + t.kind }, t.text) : document.createTextNode(t.text)));
}

/** The statements in `text`, split on ';' outside strings and comments, comments removed. */
export function splitStatements(text) {
  const out = [];
  let cur = '';
  for (const t of tokens(text)) {
    if (t.kind === 'semi') { if (cur.trim()) out.push(cur.trim()); cur = ''; }
    else if (t.kind !== 'com') cur += t.text;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}
