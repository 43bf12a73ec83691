// Ion 1.0 text reader: every value type, annotations, comments, long
// strings, lobs, s-expression operators, $n symbol ids of the system table.
// readText(text) → [value]; each value also carries `span: [start, end)`,
// its source range (annotations included), for cross-checks.
import { ion, IonParseError, SYSTEM_SYMBOLS, shiftMinutes, TYPES } from './ion-model.js';
import { fromBase64 } from './bytes.js';

const OPERATOR = '!#%&*+-./;<=>?@^`|~';
const IDENT_START = /[A-Za-z_$]/;
const IDENT_PART = /[A-Za-z0-9_$]/;
const KEYWORDS = new Set(['null', 'true', 'false', 'nan']);
const TIMESTAMP = /(\d{4})(?:T|-(\d{2})(?:T|-(\d{2})(?:T(?:(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2}))?)?))/y;
const NUMBER = /-?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|\d[\d_]*(?:\.[\d_]*)?(?:[eEdD][+-]?\d+)?)/y;

export function readText(text) {
  const r = new TextReader(text);
  const out = [];
  for (;;) {
    r.skip();
    if (r.at >= text.length) return out;
    const v = r.value(false);
    const ivm = v.type === 'symbol' && v.annotations.length === 0 && v.value && v.value.text === '$ion_1_0';
    if (!ivm) out.push(v);
  }
}

class TextReader {
  constructor(text) { this.s = text; this.at = 0; }

  fail(msg) { throw new IonParseError(msg, this.at); }
  peek(n = 0) { return this.s[this.at + n]; }
  startsWith(t) { return this.s.startsWith(t, this.at); }

  /** Skips white space only: inside `{{ }}`, where `/` is base64 and comments are not allowed. */
  skipWhitespace() {
    for (;;) {
      const c = this.s[this.at];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') this.at++;
      else return;
    }
  }

  /** Skips white space and comments. */
  skip() {
    const s = this.s;
    for (;;) {
      this.skipWhitespace();
      const c = s[this.at];
      if (c === '/' && s[this.at + 1] === '/') { while (this.at < s.length && s[this.at] !== '\n') this.at++; }
      else if (c === '/' && s[this.at + 1] === '*') {
        const end = s.indexOf('*/', this.at + 2);
        if (end < 0) this.fail('unterminated comment');
        this.at = end + 2;
      } else return;
    }
  }

  expect(c) {
    this.skip();
    if (this.s[this.at] !== c) this.fail(`expected ${c}`);
    this.at++;
  }

  /** One value with its annotations. `inSexp`: operators are symbols. */
  value(inSexp) {
    this.skip();
    const start = this.at;
    const annotations = [];
    for (;;) {
      const save = this.at;
      const name = this.symbolToken();
      if (name === undefined) break;
      this.skip();
      if (this.startsWith('::')) { this.at += 2; annotations.push(name.text); this.skip(); continue; }
      this.at = save;
      break;
    }
    const v = this.atom(inSexp);
    v.annotations = annotations;
    v.span = [start, this.at];
    return v;
  }

  /** An identifier, 'quoted' or $n symbol here, or undefined (position unchanged). */
  symbolToken() {
    const c = this.peek();
    if (c === "'" && !this.startsWith("'''")) return { text: this.quoted("'") };
    if (c !== undefined && IDENT_START.test(c)) {
      let end = this.at + 1;
      while (end < this.s.length && IDENT_PART.test(this.s[end])) end++;
      const word = this.s.slice(this.at, end);
      if (KEYWORDS.has(word)) return undefined;
      this.at = end;
      const id = /^\$(\d+)$/.exec(word);
      if (id) {
        const n = Number(id[1]);
        if (n >= SYSTEM_SYMBOLS.length) this.fail(`symbol id ${word} is not in the system symbol table`);
        return { text: SYSTEM_SYMBOLS[n] };
      }
      return { text: word };
    }
    return undefined;
  }

  atom(inSexp) {
    const c = this.peek();
    if (c === undefined) this.fail('unexpected end of input');
    if (c === '[') return ion('list', this.sequence(']', false));
    if (c === '(') return ion('sexp', this.sequence(')', true));
    if (c === '{') return this.startsWith('{{') ? this.lob() : this.struct();
    if (c === '"') return ion('string', this.quoted('"'));
    if (this.startsWith("'''")) return ion('string', this.longStrings());
    if (this.startsWith('+inf') || this.startsWith('-inf')) {
      const next = this.peek(4);
      if (next === undefined || !IDENT_PART.test(next)) {
        this.at += 4;
        return ion('float', c === '+' ? Infinity : -Infinity);
      }
    }
    if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(this.peek(1) || ''))) return this.number();
    if (IDENT_START.test(c)) {
      let end = this.at + 1;
      while (end < this.s.length && (IDENT_PART.test(this.s[end]))) end++;
      const word = this.s.slice(this.at, end);
      if (word === 'null') {
        this.at = end;
        if (this.peek() === '.') {
          const m = /^\.([a-z]+)/.exec(this.s.slice(this.at));
          if (!m || !TYPES.includes(m[1])) this.fail('unknown null type');
          this.at += m[0].length;
          return ion(m[1], null);
        }
        return ion('null', null);
      }
      if (word === 'true' || word === 'false') { this.at = end; return ion('bool', word === 'true'); }
      if (word === 'nan') { this.at = end; return ion('float', NaN); }
    }
    const s = this.symbolToken();
    if (s !== undefined) return ion('symbol', s);
    if (inSexp && OPERATOR.includes(c)) {
      let end = this.at;
      while (end < this.s.length && OPERATOR.includes(this.s[end])) {
        if ((this.s[end] === '/' && (this.s[end + 1] === '/' || this.s[end + 1] === '*'))) break;
        end++;
      }
      const op = this.s.slice(this.at, end);
      this.at = end;
      return ion('symbol', { text: op });
    }
    this.fail(`unexpected character ${JSON.stringify(c)}`);
  }

  sequence(close, inSexp) {
    this.at++;
    const items = [];
    for (;;) {
      this.skip();
      if (this.peek() === close) { this.at++; return items; }
      items.push(this.value(inSexp));
      if (!inSexp) {
        this.skip();
        if (this.peek() === ',') this.at++;
        else if (this.peek() !== close) this.fail(`expected , or ${close}`);
      }
    }
  }

  struct() {
    this.at++;
    const fields = [];
    for (;;) {
      this.skip();
      if (this.peek() === '}') { this.at++; return ion('struct', fields); }
      let name;
      if (this.peek() === '"') name = this.quoted('"');
      else if (this.startsWith("'''")) name = this.longStrings();
      else {
        const s = this.symbolToken();
        if (s === undefined) this.fail('expected a field name');
        name = s.text;
      }
      this.expect(':');
      fields.push({ name, value: this.value(false) });
      this.skip();
      if (this.peek() === ',') this.at++;
      else if (this.peek() !== '}') this.fail('expected , or }');
    }
  }

  /** A "…" or '…' quoted text, escapes decoded. */
  quoted(q) {
    this.at++;
    let out = '';
    for (;;) {
      const c = this.s[this.at];
      if (c === undefined || c === '\n') this.fail('unterminated quoted text');
      this.at++;
      if (c === q) return out;
      out += c === '\\' ? this.escape() : c;
    }
  }

  /** One or more '''…''' segments, concatenated; `inLob`: only white space between them. */
  longStrings(inLob = false) {
    let out = '';
    while (this.startsWith("'''")) {
      this.at += 3;
      for (;;) {
        if (this.at >= this.s.length) this.fail('unterminated long string');
        if (this.startsWith("'''")) { this.at += 3; break; }
        const c = this.s[this.at++];
        out += c === '\\' ? this.escape() : c;
      }
      const save = this.at;
      if (inLob) this.skipWhitespace(); else this.skip();
      if (!this.startsWith("'''")) { this.at = save; break; }
    }
    return out;
  }

  escape() {
    const c = this.s[this.at++];
    const simple = { a: '\x07', b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', v: '\v', '?': '?', 0: '\0',
      "'": "'", '"': '"', '/': '/', '\\': '\\' };
    if (c in simple) return simple[c];
    if (c === '\n') return '';
    if (c === '\r') { if (this.s[this.at] === '\n') this.at++; return ''; }
    const digits = { x: 2, u: 4, U: 8 }[c];
    if (!digits) this.fail(`bad escape \\${c}`);
    const h = this.s.substr(this.at, digits);
    if (!/^[0-9a-fA-F]+$/.test(h) || h.length !== digits) this.fail('bad hex escape');
    this.at += digits;
    let code = parseInt(h, 16);
    if (c === 'u' && code >= 0xd800 && code < 0xdc00 && this.startsWith('\\u')) {
      const low = parseInt(this.s.substr(this.at + 2, 4), 16);
      if (low >= 0xdc00 && low < 0xe000) { this.at += 6; code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00); }
    }
    return String.fromCodePoint(code);
  }

  /** {{ base64 }} blob or {{ "…" }} / {{ '''…''' }} clob. */
  lob() {
    this.at += 2;
    this.skipWhitespace();
    let v;
    if (this.peek() === '"' || this.startsWith("'''")) {
      const text = this.peek() === '"' ? this.quoted('"') : this.longStrings(true);
      const bytes = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code > 0xff) this.fail('clob holds a non-byte character');
        bytes[i] = code;
      }
      v = ion('clob', bytes);
      this.skipWhitespace();
    } else {
      const end = this.s.indexOf('}}', this.at);
      if (end < 0) this.fail('unterminated blob');
      const b64 = this.s.slice(this.at, end).replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) this.fail('bad base64 in blob');
      v = ion('blob', fromBase64(b64));
      this.at = end;
    }
    if (!this.startsWith('}}')) this.fail('expected }}');
    this.at += 2;
    return v;
  }

  number() {
    TIMESTAMP.lastIndex = this.at;
    const ts = TIMESTAMP.exec(this.s);
    if (ts) { this.at += ts[0].length; return ion('timestamp', timestamp(ts, this)); }
    NUMBER.lastIndex = this.at;
    const m = NUMBER.exec(this.s);
    if (!m) this.fail('bad number');
    this.at += m[0].length;
    return parseNumber(m[0].replace(/_/g, ''));
  }
}

function parseNumber(t) {
  const negative = t.startsWith('-');
  const body = negative ? t.slice(1) : t;
  if (/^0[xXbB]/.test(body)) {
    const n = BigInt(body.toLowerCase());
    return ion('int', negative ? -n : n);
  }
  if (/[eE]/.test(body)) return ion('float', Number(t));
  const m = /^(\d+)(?:\.(\d*))?(?:[dD]([+-]?\d+))?$/.exec(body);
  if (m[2] === undefined && m[3] === undefined) return ion('int', BigInt(t));
  const fraction = m[2] || '';
  return ion('decimal', { negative, magnitude: BigInt(m[1] + fraction), exponent: Number(m[3] || 0) - fraction.length });
}

function timestamp(m, reader) {
  const [, y, mo, d, h, mi, s, frac, off] = m;
  const f = { year: Number(y), month: mo ? Number(mo) : 1, day: d ? Number(d) : 1, hour: 0, minute: 0 };
  let precision = d ? 'day' : mo ? 'month' : 'year';
  let offset = null;
  let second = 0;
  let fraction = null;
  if (h !== undefined) {
    precision = s !== undefined ? 'second' : 'minute';
    f.hour = Number(h); f.minute = Number(mi);
    if (s !== undefined) second = Number(s);
    if (frac !== undefined) fraction = { negative: false, magnitude: BigInt(frac), exponent: -frac.length };
    if (off !== 'Z' && off !== '-00:00') {
      const sign = off[0] === '-' ? -1 : 1;
      offset = sign * (Number(off.slice(1, 3)) * 60 + Number(off.slice(4, 6)));
    } else if (off === 'Z') offset = 0;
  }
  if (f.month < 1 || f.month > 12 || f.day < 1 || f.day > 31 || f.hour > 23 || f.minute > 59 || second > 59) {
    reader.fail('timestamp field out of range');
  }
  const utc = offset ? shiftMinutes(f, offset) : f;
  return { precision, ...utc, second, fraction, offset };
}
