// QLDB's hash combinators (Sources/Ion/Hash/QLDBHash.swift): dot, proof
// folding, the commit digest the drivers send.
import { concat, sha256 } from './bytes.js';
import { ionHash } from './ion-hash.js';
import { str } from './ion-model.js';

/** True when `a` goes first: signed bytes compared from the last byte. */
export function precedes(a, b) {
  for (let i = Math.min(a.length, b.length) - 1; i >= 0; i--) {
    const x = (a[i] << 24) >> 24, y = (b[i] << 24) >> 24;
    if (x !== y) return x < y;
  }
  return false;
}

/** dot(a, b) = SHA-256 of the two in QLDB's order; an empty side is the identity. */
export async function dot(a, b) {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  return precedes(a, b) ? sha256(concat(a, b)) : sha256(concat(b, a));
}

/** Folds a proof into a starting hash, reporting each step to `step(i, acc)`. */
export async function fold(start, proof, step = () => {}) {
  let acc = start;
  for (let i = 0; i < proof.length; i++) {
    acc = await dot(acc, proof[i]);
    step(i, acc);
  }
  return acc;
}

/** Running commit digest of a transaction: H(txnId), then dot H(statement) per statement. */
export class CommitDigest {
  static async start(transactionId) {
    const d = new CommitDigest();
    d.value = await ionHash(str(transactionId));
    return d;
  }
  async add(statement) {
    this.value = await dot(this.value, await ionHash(str(statement)));
  }
}
