// The digest file `tally digest --save` writes and `tally verify` reads:
// {ledger, digest: hex, digestTipAddress: Ion text, savedAt, endpoint}, as
// Ion text (or JSON, which reads as Ion).
import { fromHex, hex } from './bytes.js';
import { field, str } from './ion-model.js';
import { readText } from './ion-text-reader.js';
import { writeText } from './ion-text-writer.js';

export function digestFileText({ ledger, digest, tipAddress, savedAt, endpoint }) {
  return writeText({ type: 'struct', annotations: [], value: [
    { name: 'ledger', value: str(ledger) }, { name: 'digest', value: str(hex(digest)) },
    { name: 'digestTipAddress', value: str(tipAddress) }, { name: 'savedAt', value: str(savedAt) },
    { name: 'endpoint', value: str(endpoint) },
  ] }, { pretty: true }) + '\n';
}

export function parseDigestFile(text) {
  const values = readText(text);
  if (values.length !== 1 || values[0].type !== 'struct') throw new Error('the digest file must hold one struct');
  const v = values[0];
  const string = (name) => {
    const f = field(v, name);
    if (!f || f.type !== 'string' || f.value === null) throw new Error(`the digest file has no string field ${name}`);
    return f.value;
  };
  const digest = fromHex(string('digest'));
  if (digest.length !== 32) throw new Error('digest must be 64 hex digits');
  const tip = field(v, 'digestTipAddress');
  const tipAddress = tip && tip.type === 'struct' ? writeText(tip) : string('digestTipAddress');
  return { ledger: string('ledger'), digest, tipAddress };
}
