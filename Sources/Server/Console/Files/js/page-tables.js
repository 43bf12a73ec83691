// Tables and documents: each table with its indexes and document count;
// a table's documents; a document's full history() as a timeline of
// revisions (metadata, block address, hash; redacted revisions marked).
import { $, currentLedger, h, showError } from './dom.js';
import { field, toJS } from './ion-model.js';
import { writeText } from './ion-text-writer.js';
import { runTransaction } from './session.js';
import { hex } from './bytes.js';

const quoteId = (name) => '"' + name.replace(/"/g, '""') + '"';
const quoteStr = (s) => "'" + s.replace(/'/g, "''") + "'";
const text = (v) => (v === undefined ? '' : writeText(v));

export async function render(main, { args }) {
  const ledger = currentLedger();
  const [table, doc] = args;
  main.append(h('h1', {}, `Tables — ${ledger || 'no ledger'}`));
  const out = h('div', { id: 'tables-out' }, h('p', { class: 'muted' }, 'Loading…'));
  main.append(out);
  if (!ledger) { out.replaceChildren(h('p', {}, 'Create or pick a ledger first.')); return; }
  try {
    if (doc) await history(out, ledger, table, doc);
    else if (table) await documents(out, ledger, table);
    else await tables(out, ledger);
  } catch (e) { showError(out, e); }
}

async function tables(out, ledger) {
  const [catalog] = await runTransaction(ledger, ["SELECT * FROM information_schema.user_tables WHERE status = 'ACTIVE'"]);
  const rows = catalog.values.map(toJS);
  const counts = rows.length
    ? await runTransaction(ledger, rows.map((t) => `SELECT COUNT(*) AS n FROM ${quoteId(t.name)}`)) : [];
  out.replaceChildren(h('table', { id: 'tables-table' },
    h('thead', {}, h('tr', {}, ['Table', 'Documents', 'Indexes', 'Table id'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((t, i) => h('tr', { 'data-table': t.name },
      h('td', {}, h('a', { href: `#/tables/${encodeURIComponent(t.name)}` }, t.name)),
      h('td', { class: 'count' }, String(toJS(counts[i].values[0]).n)),
      h('td', { class: 'mono' }, (t.indexes || []).map((x) => `${x.expr} (${x.status})`).join(', ') || '—'),
      h('td', { class: 'mono hide-narrow' }, t.tableId))))));
  if (!rows.length) out.append(h('p', { class: 'muted' }, 'No tables. Create one in the query editor: CREATE TABLE Name'));
}

async function documents(out, ledger, table) {
  const [r] = await runTransaction(ledger, [
    `SELECT r.metadata.id AS id, r.metadata.version AS version, r.blockAddress AS blockAddress, r.data AS data FROM _ql_committed_${table} AS r`]);
  out.replaceChildren(h('p', {}, h('a', { href: '#/tables' }, '← all tables')), h('h2', {}, `${table}: ${r.values.length} document(s)`),
    h('div', { class: 'scroll' }, h('table', { id: 'documents-table' },
      h('thead', {}, h('tr', {}, ['Document id', 'Version', 'Block address', 'Data'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, r.values.map((v) => {
        const id = toJS(field(v, 'id'));
        return h('tr', { 'data-document': id },
          h('td', {}, h('a', { href: `#/tables/${encodeURIComponent(table)}/${encodeURIComponent(id)}`, class: 'mono' }, id)),
          h('td', {}, text(field(v, 'version'))),
          h('td', { class: 'mono hide-narrow' }, text(field(v, 'blockAddress'))),
          h('td', { class: 'mono' }, text(field(v, 'data'))));
      })))));
}

async function history(out, ledger, table, id) {
  const [r] = await runTransaction(ledger, [`SELECT * FROM history(${quoteId(table)}) AS h WHERE h.metadata.id = ${quoteStr(id)}`]);
  out.replaceChildren(h('p', {}, h('a', { href: `#/tables/${encodeURIComponent(table)}` }, `← ${table}`)),
    h('h2', {}, `History of ${id} (${r.values.length} revision(s))`),
    h('ol', { class: 'timeline', id: 'history-timeline' }, r.values.map((rev) => {
      const meta = field(rev, 'metadata');
      const data = field(rev, 'data');
      const dataHash = field(rev, 'dataHash');
      const redacted = data === undefined && dataHash !== undefined;
      const deleted = data === undefined && dataHash === undefined;
      const address = field(rev, 'blockAddress');
      const verifyLink = `#/verify/${encodeURIComponent(writeText(address))}/${encodeURIComponent(id)}`;
      return h('li', { class: 'revision' + (redacted ? ' redacted' : '') },
        h('div', {}, h('strong', {}, `version ${text(field(meta, 'version'))}`), ' ',
          redacted ? h('span', { class: 'badge bad' }, 'redacted') : deleted ? h('span', { class: 'badge' }, 'deleted') : null, ' ',
          h('span', { class: 'muted' }, text(field(meta, 'txTime')))),
        h('div', { class: 'mono break' }, 'block ', h('span', { class: 'block-address' }, text(address)), ' · txId ', text(field(meta, 'txId'))),
        h('div', { class: 'mono break muted' }, 'hash ', field(rev, 'hash') ? hex(field(rev, 'hash').value) : ''),
        redacted ? h('div', { class: 'mono break' }, 'data redacted; dataHash ', hex(dataHash.value))
          : data ? h('pre', { class: 'revision-data' }, writeText(data, { pretty: true })) : null,
        h('a', { href: verifyLink, class: 'verify-link' }, 'Verify this revision'));
    })));
}
