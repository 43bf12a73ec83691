// AWS Signature Version 4 with WebCrypto, as botocore signs for service
// "qldb": signed headers content-type, host, x-amz-date (and x-amz-target,
// x-amz-security-token when present). The browser sets Host itself; it is
// location.host, which is what we sign.
import { hex, sha256, utf8 } from './bytes.js';

async function hmac(key, data) {
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, typeof data === 'string' ? utf8(data) : data));
}

/** RFC 3986 encoding of every byte except A-Za-z0-9-_.~ (and '/' when `slash`). */
export function uriEncode(s, slash = false) {
  let out = '';
  for (const b of utf8(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c) || (slash && c === '/')) out += c;
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

export function amzDate(d = new Date()) {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * Signs a request. `path` is the raw (already percent-encoded) path, `query`
 * a list of [name, value] (decoded), `headers` lower-case names → values.
 * Returns the headers to send (Authorization added; host is not sent).
 */
export async function sign({ method, path, query = [], headers, body, credentials, region, service = 'qldb', now }) {
  const date = amzDate(now);
  const all = { ...headers, host: location.host, 'x-amz-date': date };
  if (credentials.sessionToken) all['x-amz-security-token'] = credentials.sessionToken;
  const names = Object.keys(all).map((n) => n.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(all).map(([k, v]) => [k.toLowerCase(), v]));
  const canonicalHeaders = names.map((n) => `${n}:${String(lower[n]).trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalQuery = query.map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`).join('&');
  const payloadHash = hex(await sha256(typeof body === 'string' ? utf8(body) : body || new Uint8Array()));
  const canonicalPath = uriEncode(path, true);
  const canonical = [method, canonicalPath, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${date.slice(0, 8)}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, hex(await sha256(utf8(canonical)))].join('\n');
  let key = await hmac(utf8('AWS4' + credentials.secretAccessKey), date.slice(0, 8));
  key = await hmac(key, region);
  key = await hmac(key, service);
  key = await hmac(key, 'aws4_request');
  const signature = hex(await hmac(key, toSign));
  const out = { ...all };
  delete out.host;
  out.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return out;
}
