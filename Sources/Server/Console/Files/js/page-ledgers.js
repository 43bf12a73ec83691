// Ledgers: list, create (deletion protection on by default), describe, delete.
import { createLedger, deleteLedger, describeLedger, updateLedger } from './control.js';
import { $, h, notice, setCurrentLedger, showError } from './dom.js';

const when = (t) => (t ? new Date(t * 1000).toISOString().replace('.000Z', 'Z') : '');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function render(main, { refreshLedgers }) {
  const list = h('div', { id: 'ledgers-list', class: 'scroll' });
  const detail = h('div', { id: 'ledger-detail' });
  const result = h('div', { id: 'create-result' });
  const form = h('form', { id: 'create-form', class: 'panel' },
    h('h2', {}, 'Create ledger'),
    h('div', { class: 'row' },
      h('label', { for: 'new-ledger-name' }, 'Name'),
      h('input', { type: 'text', id: 'new-ledger-name', required: true, pattern: '[A-Za-z0-9-]{1,32}',
        title: '1–32 letters, digits or hyphens' }),
      h('label', {}, h('input', { type: 'checkbox', id: 'new-ledger-protection', checked: true }), ' Deletion protection'),
      h('button', { type: 'submit', id: 'create-ledger' }, 'Create')),
    result);
  main.append(h('h1', {}, 'Ledgers'), list, detail, form);

  async function refresh(select) {
    const ledgers = await refreshLedgers(select);
    list.replaceChildren(h('table', { id: 'ledgers-table' },
      h('thead', {}, h('tr', {}, ['Name', 'State', 'Created', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ledgers.map((l) => h('tr', { 'data-ledger': l.Name },
        h('td', {}, l.Name), h('td', {}, l.State), h('td', { class: 'hide-narrow' }, when(l.CreationDateTime)),
        h('td', {},
          h('button', { type: 'button', class: 'secondary', onclick: () => describe(l.Name) }, 'Describe'), ' ',
          h('button', { type: 'button', class: 'secondary', onclick: () => { setCurrentLedger(l.Name); location.hash = '#/query'; } }, 'Query'), ' ',
          h('button', { type: 'button', class: 'danger', onclick: () => remove(l.Name) }, 'Delete')))))));
    if (!ledgers.length) list.append(h('p', { class: 'muted' }, 'No ledgers yet.'));
  }

  async function describe(name) {
    try {
      const d = await describeLedger(name);
      detail.replaceChildren(h('div', { class: 'panel' }, h('h2', {}, `Ledger ${name}`),
        h('dl', {}, Object.entries(d).flatMap(([k, v]) => [h('dt', {}, k), h('dd', { class: 'mono break' },
          k === 'CreationDateTime' ? when(v) : typeof v === 'object' ? JSON.stringify(v) : String(v))])),
        h('button', { type: 'button', class: 'secondary', id: 'toggle-protection',
          onclick: async () => { await updateLedger(name, !d.DeletionProtection); describe(name); } },
        d.DeletionProtection ? 'Turn deletion protection off' : 'Turn deletion protection on')));
    } catch (e) { showError(detail, e); }
  }

  async function remove(name) {
    if (!confirm(`Delete ledger ${name}? Its journal is removed on every node.`)) return;
    try {
      await deleteLedger(name);
      notice(`Deleting ${name}…`);
      for (let i = 0; i < 50; i++) {
        try { await describeLedger(name); } catch (e) { if (e.type === 'ResourceNotFoundException') break; throw e; }
        await sleep(300);
      }
      notice(`Deleted ${name}.`);
      await refresh();
    } catch (e) { showError(detail, e); }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = $('#new-ledger-name').value.trim();
    result.replaceChildren(h('p', { class: 'muted' }, `Creating ${name}…`));
    try {
      await createLedger(name, $('#new-ledger-protection').checked);
      let state = 'CREATING';
      for (let i = 0; i < 100 && state !== 'ACTIVE'; i++) { await sleep(200); state = (await describeLedger(name)).State; }
      result.replaceChildren(h('p', { class: 'ok', id: 'created-ledger' }, `Ledger ${name} is ${state}.`));
      await refresh(name);
      describe(name);
    } catch (err) { showError(result, err); }
  });

  await refresh();
}
