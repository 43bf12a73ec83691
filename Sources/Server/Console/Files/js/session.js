// The QLDB session API (QLDBSession.SendCommand, JSON 1.0) for the query
// editor: a session per ledger, transactions with the commit digest
// computed here, statement results decoded from Ion binary.
import { call } from './aws.js';
import { base64, fromBase64 } from './bytes.js';
import { readBinary } from './ion-binary-reader.js';
import { CommitDigest } from './qldb-hash.js';

const HEADERS = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'QLDBSession.SendCommand' };

async function send(command) {
  return call({ method: 'POST', path: '/', headers: HEADERS, body: JSON.stringify(command) });
}

const values = (page) => (page.Values || []).map((v) => readBinary(fromBase64(v.IonBinary))[0]);

export class Session {
  static async start(ledger) {
    const r = await send({ StartSession: { LedgerName: ledger } });
    const s = new Session();
    s.ledger = ledger;
    s.token = r.StartSession.SessionToken;
    return s;
  }

  async end() {
    try { await send({ SessionToken: this.token, EndSession: {} }); } catch { /* expired: nothing to end */ }
  }

  async begin() {
    const r = await send({ SessionToken: this.token, StartTransaction: {} });
    return new Transaction(this, r.StartTransaction.TransactionId, await CommitDigest.start(r.StartTransaction.TransactionId));
  }
}

export class Transaction {
  constructor(session, id, digest) { this.session = session; this.id = id; this.digest = digest; this.open = true; }

  /**
   * Runs one statement; resolves to {values, nextPageToken, readIOs, writeIOs, timeMs}.
   * A failed statement still counts in the commit digest (the server counts it too).
   */
  async execute(statement) {
    await this.digest.add(statement);
    const r = await send({ SessionToken: this.session.token, ExecuteStatement: { TransactionId: this.id, Statement: statement } });
    return result(r.ExecuteStatement, r.ExecuteStatement.FirstPage);
  }

  async fetchPage(nextPageToken) {
    const r = await send({ SessionToken: this.session.token, FetchPage: { TransactionId: this.id, NextPageToken: nextPageToken } });
    return result(r.FetchPage, r.FetchPage.Page);
  }

  async commit() {
    this.open = false;
    const r = await send({ SessionToken: this.session.token,
      CommitTransaction: { TransactionId: this.id, CommitDigest: base64(this.digest.value) } });
    const c = r.CommitTransaction;
    return { readIOs: c.ConsumedIOs?.ReadIOs ?? 0, writeIOs: c.ConsumedIOs?.WriteIOs ?? 0,
      timeMs: c.TimingInformation?.ProcessingTimeMilliseconds ?? 0 };
  }

  async abort() {
    this.open = false;
    try { await send({ SessionToken: this.session.token, AbortTransaction: {} }); } catch { /* already gone */ }
  }
}

function result(r, page) {
  return { values: values(page), nextPageToken: page.NextPageToken || null,
    readIOs: r.ConsumedIOs?.ReadIOs ?? 0, writeIOs: r.ConsumedIOs?.WriteIOs ?? 0,
    timeMs: r.TimingInformation?.ProcessingTimeMilliseconds ?? 0 };
}

/** Runs `statements` in one transaction and commits; resolves to each statement's result. */
export async function runTransaction(ledger, statements) {
  const session = await Session.start(ledger);
  try {
    const txn = await session.begin();
    const results = [];
    try {
      for (const s of statements) {
        const r = await txn.execute(s);
        while (r.nextPageToken) {
          const more = await txn.fetchPage(r.nextPageToken);
          r.values.push(...more.values);
          r.nextPageToken = more.nextPageToken;
        }
        results.push(r);
      }
      await txn.commit();
    } catch (e) {
      if (txn.open) await txn.abort();
      throw e;
    }
    return results;
  } finally {
    await session.end();
  }
}
