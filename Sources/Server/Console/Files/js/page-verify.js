// Verify: a saved digest (pasted or uploaded), a block address and a
// document id; the revision and its proof are fetched and checked here.
import { $, h } from './dom.js';
import { parseDigestFile } from './digest-file.js';
import { verifyRevision } from './verifier.js';

export function render(main, { args }) {
  const [blockAddress = '', documentId = ''] = args;
  const steps = h('ol', { class: 'steps', id: 'verify-steps' });
  const verdict = h('div', { id: 'verify-verdict', role: 'status', 'aria-live': 'polite' });
  const form = h('form', { id: 'verify-form', class: 'panel' },
    h('label', { class: 'block', for: 'verify-digest' }, 'Saved digest file (paste it, or choose the file)'),
    h('textarea', { id: 'verify-digest', class: 'wide', spellcheck: 'false' }),
    h('input', { type: 'file', id: 'verify-digest-file', accept: '.ion,.json,text/plain', 'aria-label': 'Digest file',
      onchange: async (e) => { const f = e.target.files[0]; if (f) $('#verify-digest').value = await f.text(); } }),
    h('label', { class: 'block', for: 'verify-block-address' }, 'Block address'),
    h('input', { type: 'text', id: 'verify-block-address', class: 'mono wide', value: blockAddress, required: true,
      placeholder: '{strandId:"…",sequenceNo:3}' }),
    h('label', { class: 'block', for: 'verify-document-id' }, 'Document id'),
    h('input', { type: 'text', id: 'verify-document-id', class: 'mono wide', value: documentId, required: true }),
    h('div', { class: 'row' }, h('button', { type: 'submit', id: 'verify-button' }, 'Verify')));
  main.append(h('h1', {}, 'Verify a document revision'),
    h('p', { class: 'muted' }, 'The revision hash is recomputed from its metadata and data, and the proof folded with QLDB\'s dot, in this browser; ' +
      'only the digest you give is trusted.'),
    form, verdict, h('h2', {}, 'Steps'), steps);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    steps.replaceChildren();
    verdict.replaceChildren();
    const step = (ok, text) => steps.append(h('li', { class: ok ? 'pass' : 'fail' }, (ok ? 'ok — ' : 'failed — ') + text));
    try {
      const saved = parseDigestFile($('#verify-digest').value);
      step(true, `digest of ledger ${saved.ledger}, tip ${saved.tipAddress}`);
      await verifyRevision(saved, $('#verify-block-address').value.trim(), $('#verify-document-id').value.trim(), step);
      verdict.replaceChildren(h('span', { class: 'verdict good', 'data-verdict': 'verified' }, 'Verified'));
      verdict.scrollIntoView({ block: 'center' });
    } catch (err) {
      step(false, err.message);
      verdict.replaceChildren(h('span', { class: 'verdict bad', 'data-verdict': 'not-verified' }, 'Not verified: ' + err.message));
      verdict.scrollIntoView({ block: 'center' });
    }
  });
}
