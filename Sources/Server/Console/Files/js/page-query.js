// The PartiQL editor: Ctrl-Enter runs; results as a table or Ion text; more
// pages on scroll or "More"; auto-commit or a multi-statement transaction;
// per statement the read/write IOs and server time; recent statements kept
// in this tab.
import { $, currentLedger, h, notice, showError, store, stored } from './dom.js';
import { writeText } from './ion-text-writer.js';
import { highlight, splitStatements } from './partiql-highlight.js';
import { Session } from './session.js';

const HISTORY = 'tally.history';
let session = null;   // {ledger, session}
let txn = null;       // the open explicit transaction
let view = stored('tally.view', 'table');
let pending = null;   // an auto-commit statement whose later pages are still unread (its transaction stays open)

/** Commits an auto-commit transaction left open for paging. */
async function settle(entry) {
  if (!entry || !entry.txn.open) return;
  try { entry.commit = await entry.txn.commit(); } catch { /* a read-only transaction: nothing lost */ }
  if (pending === entry) pending = null;
}

async function sessionFor(ledger) {
  if (session && session.ledger === ledger) return session.session;
  if (session) await session.session.end();
  session = { ledger, session: await Session.start(ledger) };
  return session.session;
}

export function render(main) {
  const ledger = currentLedger();
  const editor = h('textarea', { id: 'editor', spellcheck: 'false', 'aria-label': 'PartiQL statements (Ctrl-Enter runs)',
    autocapitalize: 'off' });
  editor.value = stored('tally.editor', 'SELECT * FROM information_schema.user_tables');
  const shade = h('pre', { 'aria-hidden': 'true', id: 'editor-highlight' });
  const paint = () => { shade.replaceChildren(...highlight(editor.value + '\n')); shade.scrollTop = editor.scrollTop; };
  editor.addEventListener('input', () => { store('tally.editor', editor.value); paint(); });
  editor.addEventListener('scroll', () => { shade.scrollTop = editor.scrollTop; });
  editor.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); }
  });
  paint();

  const txnBox = h('input', { type: 'checkbox', id: 'txn-mode' });
  const runButton = h('button', { type: 'button', id: 'run', onclick: () => run() }, 'Run (Ctrl-Enter)');
  const commitButton = h('button', { type: 'button', id: 'commit', class: 'secondary', disabled: true, onclick: () => finish(true) }, 'Commit');
  const abortButton = h('button', { type: 'button', id: 'abort', class: 'secondary', disabled: true, onclick: () => finish(false) }, 'Abort');
  const txnState = h('span', { id: 'txn-state', class: 'muted' });
  const results = h('div', { id: 'results' });
  const history = h('ol', { id: 'history' });
  const tabs = h('div', { class: 'tabs', role: 'tablist' },
    ['table', 'ion'].map((v) => h('button', { type: 'button', role: 'tab', id: 'view-' + v, 'aria-selected': String(view === v),
      onclick: () => { view = v; store('tally.view', v); for (const b of tabs.children) b.setAttribute('aria-selected', String(b.id === 'view-' + v)); redraw(); } },
    v === 'table' ? 'Table' : 'Ion text')));
  let shown = [];   // [{statement, result, more}]

  main.append(h('h1', {}, `Query editor — ${ledger || 'no ledger'}`),
    h('div', { class: 'grid2' },
      h('div', {},
        h('div', { class: 'editor' }, shade, editor),
        h('div', { class: 'row' }, runButton,
          h('label', {}, txnBox, ' Transaction mode (statements run in one transaction until Commit)'),
          commitButton, abortButton, txnState),
        tabs, results),
      h('div', {}, h('h2', {}, 'Recent statements'), history)));
  paintHistory();
  syncButtons();

  function syncButtons() {
    commitButton.disabled = abortButton.disabled = !txn;
    txnState.textContent = txn ? `transaction ${txn.id} open` : '';
  }

  function paintHistory() {
    history.replaceChildren(...stored(HISTORY, []).map((e) => h('li', {},
      h('button', { type: 'button', class: 'secondary mono', onclick: () => { editor.value = e.statement; paint(); editor.focus(); } }, e.statement),
      h('div', { class: 'stats' }, `${e.ledger} · ${e.ok ? `${e.count} doc(s), read IOs ${e.readIOs}, write IOs ${e.writeIOs}, ${e.timeMs} ms` : 'failed'}`))));
  }

  function remember(statement, r) {
    const list = stored(HISTORY, []).filter((e) => e.statement !== statement);
    list.unshift({ ledger, statement, ok: !!r, count: r ? r.values.length : 0, readIOs: r?.readIOs, writeIOs: r?.writeIOs, timeMs: r?.timeMs });
    store(HISTORY, list.slice(0, 30));
    paintHistory();
  }

  async function run() {
    if (!ledger) { notice('Create or pick a ledger first.'); return; }
    const statements = splitStatements(editor.value);
    if (!statements.length) return;
    runButton.disabled = true;
    notice('');
    await settle(pending);
    shown = [];
    results.replaceChildren(h('p', { class: 'muted' }, 'Running…'));
    try {
      const s = await sessionFor(ledger);
      if (txnBox.checked) {
        if (!txn) txn = await s.begin();
        syncButtons();
        for (const statement of statements) await runOne(txn, statement);
      } else {
        for (const statement of statements) {
          await settle(pending);
          const t = await s.begin();
          try {
            await runOne(t, statement);
            const entry = shown[shown.length - 1];
            // More pages: the transaction stays open until they are read (or the next run).
            if (entry.result.nextPageToken) { entry.autoCommit = true; pending = entry; } else entry.commit = await t.commit();
          } catch (e) {
            if (t.open) await t.abort();
            throw e;
          }
        }
      }
    } catch (e) {
      shown.push({ error: e });
      if (e.type === 'InvalidSessionException') { session = null; txn = null; syncButtons(); }
    } finally {
      runButton.disabled = false;
      redraw();
    }
  }

  async function runOne(t, statement) {
    let r;
    try { r = await t.execute(statement); } catch (e) { remember(statement, null); throw Object.assign(e, { statement }); }
    remember(statement, r);
    const entry = { statement, result: r, txn: t };
    shown.push(entry);
  }

  async function more(entry) {
    if (!entry.result.nextPageToken || entry.fetching) return;
    entry.fetching = true;
    try {
      const p = await entry.txn.fetchPage(entry.result.nextPageToken);
      entry.result.values.push(...p.values);
      entry.result.nextPageToken = p.nextPageToken;
      if (!p.nextPageToken && entry.autoCommit) await settle(entry);
    } catch (e) {
      entry.result.nextPageToken = null;
      shown.push({ error: e });
    } finally {
      entry.fetching = false;
    }
  }

  async function finish(commit) {
    if (!txn) return;
    const t = txn;
    txn = null;
    syncButtons();
    try {
      if (commit) {
        const c = await t.commit();
        notice(`Committed: read IOs ${c.readIOs}, write IOs ${c.writeIOs}, ${c.timeMs} ms.`);
      } else {
        await t.abort();
        notice('Transaction aborted.');
      }
    } catch (e) { shown.push({ error: e }); redraw(); }
  }

  function redraw() {
    results.replaceChildren(...shown.map((entry, i) => {
      if (entry.error) {
        const box = h('div', { class: 'panel error-box' });
        showError(box, entry.error);
        if (entry.error.statement) box.prepend(h('pre', {}, entry.error.statement));
        return box;
      }
      const r = entry.result;
      const body = view === 'table' ? table(r.values, i) : h('pre', { class: 'ion-out', id: `ion-${i}` }, r.values.map((v) => writeText(v, { pretty: true })).join('\n'));
      const box = h('div', { class: 'panel result' },
        h('pre', { class: 'muted' }, entry.statement),
        h('p', { class: 'stats', id: `stats-${i}` },
          `${r.values.length} document(s)${r.nextPageToken ? '+' : ''} · read IOs ${r.readIOs} · write IOs ${r.writeIOs} · server time ${r.timeMs} ms` +
          (entry.commit ? ` · commit ${entry.commit.timeMs} ms` : '')),
        h('div', { class: 'scroll' }, body));
      if (r.nextPageToken) {
        const button = h('button', { type: 'button', class: 'secondary more', onclick: async () => { await more(entry); redraw(); } }, 'More');
        box.append(button);
        const seen = new IntersectionObserver(async (items) => {
          if (items.some((x) => x.isIntersecting)) { seen.disconnect(); await more(entry); redraw(); }
        });
        seen.observe(button);
      }
      return box;
    }));
  }

  editor.focus();
  return () => { /* the session stays open for the next visit */ };
}

function table(values, i) {
  const structs = values.every((v) => v.type === 'struct' && v.value !== null);
  const cols = [];
  if (structs) for (const v of values) for (const f of v.value) if (!cols.includes(f.name)) cols.push(f.name);
  const cell = (v) => (v === undefined ? '' : v.type === 'string' && v.value !== null && !v.annotations.length ? v.value : writeText(v));
  return h('table', { class: 'results-table', id: `table-${i}` },
    h('thead', {}, h('tr', {}, (structs ? cols : ['_value']).map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, values.map((v) => h('tr', {}, structs
      ? cols.map((c) => h('td', { class: 'mono' }, cell(v.value.find((f) => f.name === c)?.value)))
      : [h('td', { class: 'mono' }, cell(v))]))));
}
