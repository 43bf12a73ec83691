// The Ion Hash test vectors (Tests/Fixtures/ion-hash/ion_hash_tests.ion) run
// through the console's own Ion readers and hasher. The browser test page
// (iontest.html) calls runVectors with the file's text; the Python test
// compares every SHA-256 with `tally ion hash` of the same source.
import { hex } from './bytes.js';
import { field } from './ion-model.js';
import { readBinary } from './ion-binary-reader.js';
import { readText } from './ion-text-reader.js';
import { ionHash, serialize } from './ion-hash.js';

const identity = async (bytes) => bytes;

export async function runVectors(text) {
  const tests = readText(text);
  const results = [];
  for (let index = 0; index < tests.length; index++) {
    const test = tests[index];
    const r = { index, name: test.annotations[0] || null };
    try {
      const ionField = field(test, 'ion');
      let source;
      if (ionField) {
        source = ionField;
        r.text = text.slice(ionField.span[0], ionField.span[1]);
      } else {
        const bytes = field(test, '10n').value.map((b) => Number(b.value));
        r.binary = hex(bytes);
        source = readBinary(new Uint8Array([0xe0, 0x01, 0x00, 0xea, ...bytes]))[0];
      }
      r.sha256 = hex(await ionHash(source));
      r.identity = hex(await serialize(source, identity));
      r.expectedIdentity = expectedIdentity(test);
    } catch (e) {
      r.error = String(e && e.message || e);
    }
    results.push(r);
  }
  return results;
}

/** The last digest:: / final_digest:: of the identity expectation, as hex. */
function expectedIdentity(test) {
  const calls = field(field(test, 'expect'), 'identity');
  if (!calls) return null;
  const digests = calls.value.filter((c) => c.annotations.includes('digest') || c.annotations.includes('final_digest'));
  if (!digests.length) return null;
  return hex(digests[digests.length - 1].value.map((b) => Number(b.value)));
}

// On iontest.html: the page's button, and a hook for the browser test.
if (typeof document !== 'undefined' && document.getElementById('run-vectors')) {
  window.runIonHashVectors = runVectors;
  document.getElementById('run-vectors').addEventListener('click', async () => {
    const results = await runVectors(document.getElementById('vectors').value);
    const failed = results.filter((r) => r.error || (r.expectedIdentity && r.expectedIdentity !== r.identity));
    document.getElementById('vector-results').textContent =
      `${results.length} vectors, ${results.length - failed.length} without error and matching their identity stream\n` +
      results.map((r) => `${r.index}\t${r.sha256 || r.error}\t${r.name || r.text || r.binary}`).join('\n');
  });
}
