// QLDB's control plane (REST JSON) as the console uses it.
import { call } from './aws.js';

const JSON_TYPE = { 'content-type': 'application/x-amz-json-1.1' };
const ledgerPath = (name, rest = '') => `/ledgers/${encodeURIComponent(name)}${rest}`;
const post = (path, body, method = 'POST') => call({ method, path, headers: JSON_TYPE, body: JSON.stringify(body) });

export async function listLedgers() {
  const out = [];
  let token = null;
  do {
    const query = [['max_results', '100']];
    if (token) query.push(['next_token', token]);
    const page = await call({ method: 'GET', path: '/ledgers', query });
    out.push(...(page.Ledgers || []));
    token = page.NextToken || null;
  } while (token);
  return out;
}

export const describeLedger = (name) => call({ method: 'GET', path: ledgerPath(name) });
export const createLedger = (name, deletionProtection = true, permissionsMode = 'STANDARD') =>
  post('/ledgers', { Name: name, PermissionsMode: permissionsMode, DeletionProtection: deletionProtection });
export const updateLedger = (name, deletionProtection) =>
  post(ledgerPath(name), { DeletionProtection: deletionProtection }, 'PATCH');
export const deleteLedger = (name) => call({ method: 'DELETE', path: ledgerPath(name) });
export const getDigest = (name) => post(ledgerPath(name, '/digest'), {});

export function getRevision(name, blockAddress, documentId, digestTipAddress) {
  return post(ledgerPath(name, '/revision'), {
    BlockAddress: { IonText: blockAddress }, DocumentId: documentId, DigestTipAddress: { IonText: digestTipAddress },
  });
}

/** The signed read-only cluster view (every node's status and plotted metrics). */
export const clusterView = () => call({ method: 'GET', path: '/console/api/cluster' });
