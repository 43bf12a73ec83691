// Get digest: GetDigest for the current ledger and the digest file
// `tally verify` reads, to download (or copy).
import { fromBase64, hex } from './bytes.js';
import { getDigest } from './control.js';
import { currentLedger, h, showError } from './dom.js';
import { digestFileText } from './digest-file.js';

export function render(main) {
  const ledger = currentLedger();
  const out = h('div', { id: 'digest-out' });
  main.append(h('h1', {}, `Get digest — ${ledger || 'no ledger'}`),
    h('p', { class: 'muted' }, 'The digest covers the whole journal up to its tip. Keep the file somewhere the server cannot change; ' +
      'Verify (here or with tally verify) checks revisions against it.'),
    h('button', { type: 'button', id: 'get-digest', onclick: get, disabled: !ledger }, 'Get digest'), out);

  async function get() {
    try {
      const r = await getDigest(ledger);
      const digest = fromBase64(r.Digest);
      const text = digestFileText({ ledger, digest, tipAddress: r.DigestTipAddress.IonText,
        savedAt: new Date().toISOString(), endpoint: location.origin });
      const url = URL.createObjectURL(new Blob([text], { type: 'application/ion' }));
      const name = `${ledger}-digest-${r.DigestTipAddress.IonText.match(/sequenceNo:\s*(\d+)/)?.[1] || 'tip'}.ion`;
      out.replaceChildren(h('div', { class: 'panel' },
        h('dl', {}, h('dt', {}, 'Digest (hex)'), h('dd', { class: 'mono break', id: 'digest-hex' }, hex(digest)),
          h('dt', {}, 'Digest (base64)'), h('dd', { class: 'mono break' }, r.Digest),
          h('dt', {}, 'Tip address'), h('dd', { class: 'mono break', id: 'digest-tip' }, r.DigestTipAddress.IonText)),
        h('a', { href: url, download: name, id: 'download-digest' }, `Download ${name}`),
        h('label', { class: 'block', for: 'digest-file-text' }, 'Digest file'),
        h('textarea', { id: 'digest-file-text', class: 'wide', readonly: true }, text)));
    } catch (e) { showError(out, e); }
  }
}
