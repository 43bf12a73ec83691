// The console's shell: sign-in gate, navigation (hash routes), the ledger
// picker shared by the pages.
import { credentials, forgetCredentials } from './aws.js';
import { listLedgers } from './control.js';
import { $, currentLedger, h, notice, setCurrentLedger } from './dom.js';

const pages = {
  signin: () => import('./page-signin.js'),
  ledgers: () => import('./page-ledgers.js'),
  query: () => import('./page-query.js'),
  tables: () => import('./page-tables.js'),
  digest: () => import('./page-digest.js'),
  verify: () => import('./page-verify.js'),
  cluster: () => import('./page-cluster.js'),
};

let leaving = null;

async function route() {
  const [name, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const signedIn = credentials() !== null;
  const page = !signedIn ? 'signin' : pages[name] && name !== 'signin' ? name : 'ledgers';
  $('#nav').hidden = !signedIn;
  $('#who').hidden = !signedIn;
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.id === 'nav-' + page) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  if (leaving) { leaving(); leaving = null; }
  notice('');
  const main = $('#main');
  delete main.dataset.ready;
  main.replaceChildren();
  main.dataset.page = page;
  const mod = await pages[page]();
  leaving = (await mod.render(main, { args: rest.map(decodeURIComponent), refreshLedgers })) || null;
  main.dataset.ready = page;
}

/** Fills the ledger picker; keeps the current choice when it still exists. */
export async function refreshLedgers(select) {
  const picker = $('#ledger-select');
  let ledgers = [];
  try { ledgers = await listLedgers(); } catch (e) { notice(String(e.message)); return []; }
  const names = ledgers.map((l) => l.Name);
  if (select) setCurrentLedger(select);
  if (!names.includes(currentLedger())) setCurrentLedger(names[0] || '');
  picker.replaceChildren(...names.map((n) => h('option', { value: n, selected: n === currentLedger() }, n)));
  return ledgers;
}

$('#ledger-select').addEventListener('change', (e) => {
  setCurrentLedger(e.target.value);
  route();
});
$('#signout').addEventListener('click', () => {
  forgetCredentials();
  location.hash = '#/signin';
  route();
});
window.addEventListener('hashchange', route);

if (credentials()) {
  $('#who-key').textContent = credentials().accessKeyId;
  refreshLedgers().then(route);
} else {
  route();
}
