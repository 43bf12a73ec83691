// Signed calls to this node (same origin): the credentials live in the
// tab's sessionStorage only. Errors carry the server's __type and Message.
import { sign } from './sigv4.js';

const KEY = 'tally.credentials';

export function credentials() {
  const raw = sessionStorage.getItem(KEY);
  return raw ? JSON.parse(raw) : null;
}
export function saveCredentials(c) { sessionStorage.setItem(KEY, JSON.stringify(c)); }
export function forgetCredentials() { sessionStorage.removeItem(KEY); }

export class AWSError extends Error {
  constructor(status, type, message) {
    super(`${type}: ${message}`);
    this.status = status; this.type = type; this.serverMessage = message;
  }
}

/** One signed request; resolves to the parsed JSON body (or {} when empty). */
export async function call({ method, path, query = [], headers = {}, body, creds = credentials() }) {
  if (!creds) throw new AWSError(0, 'NotSignedIn', 'Sign in first');
  const signed = await sign({ method, path, query, headers, body, credentials: creds, region: creds.region || 'us-east-1' });
  const qs = query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  const response = await fetch(path + (qs ? '?' + qs : ''), { method, headers: signed, body, cache: 'no-store', credentials: 'omit' });
  const text = await response.text();
  let json = {};
  try { json = text ? JSON.parse(text) : {}; } catch { json = { Message: text }; }
  if (!response.ok) {
    const type = (response.headers.get('x-amzn-ErrorType') || json.__type || `HTTP ${response.status}`).split(':')[0];
    throw new AWSError(response.status, type.replace(/^.*#/, ''), json.Message || json.message || text);
  }
  return json;
}
