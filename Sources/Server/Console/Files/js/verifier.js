// Verifies a document revision against a digest the user holds, as
// `tally verify` does (Sources/tally/Client/ProofVerifier.swift): only the
// saved digest is trusted; the revision hash and the proof fold are
// recomputed here. Each check is reported to `step(ok, text)`.
import { equal, hex } from './bytes.js';
import { getRevision } from './control.js';
import { ionHash } from './ion-hash.js';
import { field } from './ion-model.js';
import { readText } from './ion-text-reader.js';
import { dot, fold } from './qldb-hash.js';

export class VerificationFailure extends Error {}

function one(text, what) {
  let values;
  try { values = readText(text); } catch (e) { throw new VerificationFailure(`${what} is not Ion text: ${e.message}`); }
  if (values.length !== 1) throw new VerificationFailure(`${what} holds ${values.length} Ion values, not 1`);
  return values[0];
}

export function address(v, what) {
  const strand = field(v, 'strandId');
  const seq = field(v, 'sequenceNo');
  if (!strand || strand.type !== 'string' || !seq || seq.type !== 'int' || seq.value === null || seq.value < 0n) {
    throw new VerificationFailure(`${what} is not {strandId: string, sequenceNo: int}`);
  }
  return { strandId: strand.value, sequenceNo: seq.value };
}

const show = (a) => `{strandId:"${a.strandId}",sequenceNo:${a.sequenceNo}}`;

/** dot(H(metadata), H(data)); dataHash stands in for redacted data; metadata only for a deleted document. */
export async function revisionHash(revision) {
  const metadata = field(revision, 'metadata');
  if (!metadata) throw new VerificationFailure('the revision has no metadata');
  const data = field(revision, 'data');
  if (data) return dot(await ionHash(metadata), await ionHash(data));
  const dataHash = field(revision, 'dataHash');
  if (dataHash && dataHash.type === 'blob') return dot(await ionHash(metadata), dataHash.value);
  return ionHash(metadata);
}

/**
 * `saved`: {ledger, digest: Uint8Array, tipAddress: Ion text}. Resolves to
 * true when verified; throws VerificationFailure naming what differed.
 */
export async function verifyRevision(saved, blockAddressText, documentId, step, fetchRevision = getRevision) {
  const tip = address(one(saved.tipAddress, 'the saved digest tip address'), 'the saved digest tip address');
  const wanted = address(one(blockAddressText, 'the block address'), 'the block address');
  if (wanted.strandId !== tip.strandId) throw new VerificationFailure(`block address is on strand ${wanted.strandId}, the digest on ${tip.strandId}`);
  if (wanted.sequenceNo > tip.sequenceNo) {
    throw new VerificationFailure(`block ${wanted.sequenceNo} comes after the saved digest's tip ${tip.sequenceNo}: save a newer digest`);
  }
  step(true, `block ${show(wanted)} is covered by the saved digest (tip ${show(tip)})`);

  const r = await fetchRevision(saved.ledger, show(wanted), documentId, saved.tipAddress);
  step(true, `GetRevision answered (proof requested for the saved tip ${show(tip)})`);
  const revision = one(r.Revision.IonText, 'Revision');
  const at = address(field(revision, 'blockAddress') || { type: 'null', value: null }, 'Revision.blockAddress');
  if (at.strandId !== wanted.strandId || at.sequenceNo !== wanted.sequenceNo) {
    throw new VerificationFailure(`the server returned a revision at ${show(at)}, not ${show(wanted)}`);
  }
  const id = field(field(revision, 'metadata'), 'id');
  if (!id || id.value !== documentId) throw new VerificationFailure(`the server returned a revision of another document (metadata.id is not ${documentId})`);
  step(true, `revision is document ${documentId} at ${show(at)}`);

  const computed = await revisionHash(revision);
  const stated = field(revision, 'hash');
  if (!stated || stated.type !== 'blob' || !equal(computed, stated.value)) {
    throw new VerificationFailure(`revision hash recomputed from metadata and data is ${hex(computed)}; the server's hash field says ${stated ? hex(stated.value) : 'nothing'}`);
  }
  step(true, `revision hash recomputed = dot(H(metadata), H(data)) = ${hex(computed)}`);

  if (!r.Proof) throw new VerificationFailure('the server sent no Proof');
  const proofValue = one(r.Proof.IonText, 'Proof');
  if (proofValue.type !== 'list' || proofValue.value === null) throw new VerificationFailure('Proof is not an Ion list');
  const proof = proofValue.value.map((p, i) => {
    if (p.type !== 'blob' || p.value === null || p.value.length !== 32) throw new VerificationFailure(`Proof[${i}] is not a 32-byte blob`);
    return p.value;
  });
  const result = await fold(computed, proof, (i, acc) => step(true, `proof step ${i + 1}/${proof.length}: dot with ${hex(proof[i])} → ${hex(acc)}`));
  if (!equal(result, saved.digest)) {
    throw new VerificationFailure(`folding the ${proof.length}-hash proof gives ${hex(result)}, but the saved digest is ${hex(saved.digest)}`);
  }
  step(true, `folding the ${proof.length}-hash proof with dot gives the saved digest ${hex(saved.digest)}`);
  return true;
}


