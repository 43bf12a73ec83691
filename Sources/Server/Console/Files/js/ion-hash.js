// Ion Hash (amazon-ion/ion-hash spec; the same rules as Sources/Ion/Hash):
// s(v) = 0x0B TQ escape(repr) 0x0E, annotations as 0xE0 + symbols + value,
// struct fields each digested as H(s(name) ‖ s(value)), sorted unsigned.
// ionHash(v) → SHA-256 digest; serialize(v, digest) for other functions.
import { ByteWriter, compareUnsigned, sha256, utf8 } from './bytes.js';
import { TYPE_CODE } from './ion-model.js';

const BEGIN = 0x0b, END = 0x0e, ESC = 0x0c;

export async function ionHash(value) {
  return sha256(await serialize(value, sha256));
}

/** The bytes Ion Hash digests for `value`; `digest(bytes)` is the hash function (async). */
export async function serialize(value, digest) {
  const out = new ByteWriter();
  await write(value, out, digest);
  return out.bytes();
}

function escaped(bytes, out) {
  for (const b of bytes) {
    if (b === BEGIN || b === END || b === ESC) out.push(ESC);
    out.push(b);
  }
}

function symbol(text, out) {
  out.push(BEGIN);
  if (text === null || text === undefined) out.push(0x71);
  else { out.push(0x70); escaped(utf8(text), out); }
  out.push(END);
}

async function write(v, out, digest) {
  if (v.annotations && v.annotations.length) {
    out.push(BEGIN); out.push(0xe0);
    for (const a of v.annotations) symbol(a, out);
    await content(v, out, digest);
    out.push(END);
  } else {
    await content(v, out, digest);
  }
}

async function content(v, out, digest) {
  if (v.value === null) {
    out.push(BEGIN); out.push(v.type === 'null' ? 0x0f : (TYPE_CODE[v.type] << 4) | 0x0f); out.push(END);
    return;
  }
  switch (v.type) {
    case 'bool': out.push(BEGIN); out.push(v.value ? 0x11 : 0x10); out.push(END); return;
    case 'symbol': symbol(v.value.text, out); return;
    case 'string': out.push(BEGIN); out.push(0x80); escaped(utf8(v.value), out); out.push(END); return;
    case 'clob': case 'blob':
      out.push(BEGIN); out.push(v.type === 'clob' ? 0x90 : 0xa0); escaped(v.value, out); out.push(END); return;
    case 'list': case 'sexp':
      out.push(BEGIN); out.push(v.type === 'list' ? 0xb0 : 0xc0);
      for (const item of v.value) await write(item, out, digest);
      out.push(END);
      return;
    case 'struct': {
      out.push(BEGIN); out.push(0xd0);
      const digests = [];
      for (const f of v.value) {
        const field = new ByteWriter();
        symbol(f.name, field);
        await write(f.value, field, digest);
        digests.push(await digest(field.bytes()));
      }
      digests.sort(compareUnsigned);
      for (const d of digests) escaped(d, out);
      out.push(END);
      return;
    }
    default: {
      const [tq, repr] = scalar(v);
      out.push(BEGIN); out.push(tq); escaped(repr, out); out.push(END);
    }
  }
}

/** [type qualifier, representation] of an int, float, decimal or timestamp. */
function scalar(v) {
  const r = [];
  switch (v.type) {
    case 'int':
      magnitude(v.value < 0n ? -v.value : v.value, r);
      return [v.value < 0n ? 0x30 : 0x20, r];
    case 'float': {
      if (v.value === 0 && !Object.is(v.value, -0)) return [0x40, r];
      const view = new DataView(new ArrayBuffer(8));
      if (Number.isNaN(v.value)) view.setUint32(0, 0x7ff80000); else view.setFloat64(0, v.value);
      return [0x40, Array.from(new Uint8Array(view.buffer))];
    }
    case 'decimal': decimal(v.value, r); return [0x50, r];
    case 'timestamp': timestamp(v.value, r); return [0x60, r];
    default: throw new Error('not a scalar: ' + v.type);
  }
}

function magnitude(n, out) {
  const bytes = [];
  while (n > 0n) { bytes.unshift(Number(n & 0xffn)); n >>= 8n; }
  out.push(...bytes);
}

function varUInt(n, out) {
  n = BigInt(n);
  const groups = [Number(n & 0x7fn) | 0x80];
  n >>= 7n;
  while (n > 0n) { groups.unshift(Number(n & 0x7fn)); n >>= 7n; }
  out.push(...groups);
}

function varInt(value, out, negativeZero = false) {
  const negative = value < 0 || negativeZero;
  let m = BigInt(Math.abs(value));
  const groups = [Number(m & 0x7fn)];
  m >>= 7n;
  while (m > 0n) { groups.push(Number(m & 0x7fn)); m >>= 7n; }
  if (groups[groups.length - 1] & 0x40) groups.push(0);
  groups[0] |= 0x80;
  if (negative) groups[groups.length - 1] |= 0x40;
  out.push(...groups.reverse());
}

function signedMagnitude(negative, m, out) {
  const bytes = [];
  while (m > 0n) { bytes.unshift(Number(m & 0xffn)); m >>= 8n; }
  if (bytes.length === 0) { if (negative) out.push(0x80); return; }
  if (bytes[0] & 0x80) bytes.unshift(0);
  if (negative) bytes[0] |= 0x80;
  out.push(...bytes);
}

function decimal(d, out) {
  if (d.exponent === 0 && d.magnitude === 0n && !d.negative) return;
  varInt(d.exponent, out);
  signedMagnitude(d.negative, d.magnitude, out);
}

function timestamp(t, out) {
  if (t.offset === null) out.push(0xc0); else varInt(t.offset, out);
  varUInt(t.year, out);
  const p = ['year', 'month', 'day', 'minute', 'second'].indexOf(t.precision);
  if (p < 1) return;
  varUInt(t.month, out);
  if (p < 2) return;
  varUInt(t.day, out);
  if (p < 3) return;
  varUInt(t.hour, out);
  varUInt(t.minute, out);
  if (p < 4) return;
  varUInt(t.second, out);
  if (t.fraction && t.fraction.exponent < 0) {
    varInt(t.fraction.exponent, out);
    if (t.fraction.magnitude !== 0n) signedMagnitude(false, t.fraction.magnitude, out);
  }
}
