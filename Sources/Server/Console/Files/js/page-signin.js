// Sign in: an access key and secret, kept in this tab's sessionStorage only.
// A ListLedgers call checks them; a refusal shows the server's error.
import { forgetCredentials, saveCredentials } from './aws.js';
import { listLedgers } from './control.js';
import { $, h, showError } from './dom.js';

export function render(main, { refreshLedgers }) {
  const out = h('div', { id: 'signin-result' });
  const form = h('form', { id: 'signin-form', class: 'panel' },
    h('h1', {}, 'Sign in'),
    h('p', { class: 'muted' }, 'Every request this page makes is signed with AWS Signature Version 4 in the browser. ' +
      'The key stays in this tab (sessionStorage) and is never sent.'),
    h('label', { class: 'block', for: 'access-key' }, 'Access key id'),
    h('input', { type: 'text', id: 'access-key', autocomplete: 'username', required: true, spellcheck: 'false' }),
    h('label', { class: 'block', for: 'secret-key' }, 'Secret access key'),
    h('input', { type: 'password', id: 'secret-key', autocomplete: 'current-password', required: true }),
    h('label', { class: 'block', for: 'region' }, 'Region (signing scope)'),
    h('input', { type: 'text', id: 'region', value: 'us-east-1', required: true }),
    h('div', { class: 'row' }, h('button', { type: 'submit', id: 'signin-button' }, 'Sign in')),
    out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const creds = { accessKeyId: $('#access-key').value.trim(), secretAccessKey: $('#secret-key').value,
      region: $('#region').value.trim() || 'us-east-1' };
    out.id = 'signin-result';
    out.replaceChildren(h('p', { class: 'muted' }, 'Checking…'));
    try {
      saveCredentials(creds);
      await listLedgers();
      $('#who-key').textContent = creds.accessKeyId;
      await refreshLedgers();
      location.hash = '#/ledgers';
    } catch (err) {
      forgetCredentials();
      out.id = 'signin-error';
      showError(out, err);
    }
  });
  main.append(form);
  $('#access-key').focus();
}
