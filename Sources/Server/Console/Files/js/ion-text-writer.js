// Ion text writer for display: writeText(value, {pretty}) → string.
import { base64 } from './bytes.js';
import { shiftMinutes } from './ion-model.js';

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const RESERVED = new Set(['null', 'true', 'false', 'nan']);

export function writeText(v, { pretty = false } = {}) {
  return write(v, pretty ? '' : null);
}

function write(v, indent) {
  const ann = (v.annotations || []).map((a) => symbolText(a) + '::').join('');
  return ann + content(v, indent);
}

function content(v, indent) {
  if (v.value === null) return v.type === 'null' ? 'null' : 'null.' + v.type;
  const next = indent === null ? null : indent + '  ';
  const nl = indent === null ? '' : '\n';
  switch (v.type) {
    case 'bool': return String(v.value);
    case 'int': return v.value.toString();
    case 'float':
      if (Number.isNaN(v.value)) return 'nan';
      if (!Number.isFinite(v.value)) return v.value > 0 ? '+inf' : '-inf';
      if (Object.is(v.value, -0)) return '-0e0';
      { const s = String(v.value); return /e/.test(s) ? s.replace('e+', 'e') : s + 'e0'; }
    case 'decimal': return decimalText(v.value);
    case 'timestamp': return timestampText(v.value);
    case 'symbol': return symbolText(v.value.text);
    case 'string': return quote(v.value, '"');
    case 'blob': return `{{${base64(v.value)}}}`;
    case 'clob': return `{{${quote(String.fromCharCode(...v.value), '"')}}}`;
    case 'list': case 'sexp': {
      const [open, close, sep] = v.type === 'list' ? ['[', ']', ','] : ['(', ')', ' '];
      if (v.value.length === 0) return open + close;
      if (indent === null) return open + v.value.map((x) => write(x, null)).join(sep) + close;
      return open + nl + v.value.map((x) => next + write(x, next)).join((v.type === 'list' ? ',' : '') + nl) + nl + indent + close;
    }
    case 'struct': {
      if (v.value.length === 0) return '{}';
      const fields = v.value.map((f) => symbolText(f.name) + (indent === null ? ':' : ': ') + write(f.value, next));
      if (indent === null) return '{' + fields.join(',') + '}';
      return '{' + nl + fields.map((f) => next + f).join(',' + nl) + nl + indent + '}';
    }
    default: return '?';
  }
}

export function symbolText(text) {
  if (text === null || text === undefined) return '$0';
  return IDENT.test(text) && !RESERVED.has(text) && !/^\$\d+$/.test(text) ? text : quote(text, "'");
}

function quote(s, q) {
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (ch === q || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + q;
}

function decimalText(d) {
  const digits = d.magnitude.toString();
  const sign = d.negative ? '-' : '';
  if (d.exponent === 0) return sign + digits + '.';
  if (d.exponent > 0) return sign + digits + 'd' + d.exponent;
  const point = digits.length + d.exponent;
  if (point > 0) return sign + digits.slice(0, point) + '.' + digits.slice(point);
  return sign + digits + 'd' + d.exponent;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

export function timestampText(t) {
  const local = t.offset ? shiftMinutes(t, -t.offset) : t;
  let s = pad(local.year, 4);
  if (t.precision === 'year') return s + 'T';
  s += '-' + pad(local.month);
  if (t.precision === 'month') return s + 'T';
  s += '-' + pad(local.day);
  if (t.precision === 'day') return s;
  s += 'T' + pad(local.hour) + ':' + pad(local.minute);
  if (t.precision === 'second') {
    s += ':' + pad(t.second);
    if (t.fraction && t.fraction.exponent < 0) {
      s += '.' + t.fraction.magnitude.toString().padStart(-t.fraction.exponent, '0');
    }
  }
  if (t.offset === null) return s + '-00:00';
  if (t.offset === 0) return s + 'Z';
  const o = Math.abs(t.offset);
  return s + (t.offset < 0 ? '-' : '+') + pad(Math.floor(o / 60)) + ':' + pad(o % 60);
}
