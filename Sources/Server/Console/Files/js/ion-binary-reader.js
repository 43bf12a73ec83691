// Ion 1.0 binary reader: every type, annotations, NOP padding, local
// symbol tables (appended or fresh; shared imports are refused).
// readBinary(bytes) → [value].
import { ion, IonParseError, SYSTEM_SYMBOLS } from './ion-model.js';
import { fromUtf8 } from './bytes.js';

const IVM = [0xe0, 0x01, 0x00, 0xea];
const NULL_TYPE = ['null', 'bool', 'int', 'int', 'float', 'decimal', 'timestamp', 'symbol', 'string',
  'clob', 'blob', 'list', 'sexp', 'struct'];

export function readBinary(bytes) {
  if (bytes.length < 4 || IVM.some((b, i) => bytes[i] !== b)) throw new IonParseError('no Ion binary version marker', 0);
  const r = new BinaryReader(bytes);
  const out = [];
  while (r.at < bytes.length) {
    if (IVM.every((b, i) => bytes[r.at + i] === b)) { r.at += 4; r.symbols = SYSTEM_SYMBOLS.slice(); continue; }
    const v = r.value(bytes.length);
    if (v === undefined) continue;  // padding
    if (v.annotations[0] === '$ion_symbol_table' && v.type === 'struct' && v.value !== null) { r.localTable(v); continue; }
    out.push(v);
  }
  return out;
}

class BinaryReader {
  constructor(bytes) { this.b = bytes; this.at = 4; this.symbols = SYSTEM_SYMBOLS.slice(); }

  fail(msg) { throw new IonParseError(msg, this.at); }

  byte(end) {
    if (this.at >= end) this.fail('value runs past its container');
    return this.b[this.at++];
  }

  varUInt(end) {
    let v = 0n;
    for (;;) {
      const b = this.byte(end);
      v = (v << 7n) | BigInt(b & 0x7f);
      if (b & 0x80) return v;
    }
  }

  /** VarInt: {negative, magnitude}. */
  varInt(end) {
    let b = this.byte(end);
    const negative = (b & 0x40) !== 0;
    let v = BigInt(b & 0x3f);
    while (!(b & 0x80)) { b = this.byte(end); v = (v << 7n) | BigInt(b & 0x7f); }
    return { negative, magnitude: v };
  }

  uint(end) { let v = 0n; while (this.at < end) v = (v << 8n) | BigInt(this.b[this.at++]); return v; }

  /** Signed-magnitude Int over [at, end): {negative, magnitude}. */
  int(end) {
    if (this.at >= end) return { negative: false, magnitude: 0n };
    const first = this.b[this.at];
    const negative = (first & 0x80) !== 0;
    let v = BigInt(first & 0x7f);
    this.at++;
    while (this.at < end) v = (v << 8n) | BigInt(this.b[this.at++]);
    return { negative, magnitude: v };
  }

  symbol(sid) {
    const n = Number(sid);
    if (n >= this.symbols.length) this.fail(`symbol id $${n} is not in the symbol table`);
    return this.symbols[n];
  }

  length(low, end) { return low === 14 ? Number(this.varUInt(end)) : low; }

  /** One value (annotation wrapper included); undefined for NOP padding. */
  value(end) {
    const td = this.byte(end);
    const high = td >> 4;
    const low = td & 0x0f;
    if (high === 14) {
      const len = this.length(low, end);
      const stop = this.at + len;
      const annLen = Number(this.varUInt(stop));
      const annEnd = this.at + annLen;
      const annotations = [];
      while (this.at < annEnd) annotations.push(this.symbol(this.varUInt(annEnd)));
      const v = this.value(stop);
      if (v === undefined || this.at !== stop) this.fail('bad annotation wrapper');
      v.annotations = annotations;
      return v;
    }
    if (low === 15) {
      if (high > 13) this.fail('bad type descriptor');
      return ion(NULL_TYPE[high], null);
    }
    if (high === 1) return ion('bool', low === 1);
    const len = high === 13 && low === 1 ? Number(this.varUInt(end)) : this.length(low, end);
    const stop = this.at + len;
    if (stop > end) this.fail('value runs past its container');
    const v = this.body(high, stop);
    this.at = stop;
    return v;
  }

  body(high, stop) {
    const b = this.b;
    switch (high) {
      case 0: return undefined;
      case 2: return ion('int', this.uint(stop));
      case 3: return ion('int', -this.uint(stop));
      case 4: {
        const n = stop - this.at;
        if (n === 0) return ion('float', 0);
        const view = new DataView(b.buffer, b.byteOffset + this.at, n);
        if (n === 4) return ion('float', view.getFloat32(0));
        if (n === 8) return ion('float', view.getFloat64(0));
        this.fail('float must be 0, 4 or 8 bytes');
      }
      case 5: {
        if (this.at === stop) return ion('decimal', { negative: false, magnitude: 0n, exponent: 0 });
        const e = this.varInt(stop);
        const c = this.int(stop);
        return ion('decimal', { negative: c.negative, magnitude: c.magnitude, exponent: Number(e.negative ? -e.magnitude : e.magnitude) });
      }
      case 6: return ion('timestamp', this.timestamp(stop));
      case 7: return ion('symbol', { text: this.symbol(this.uint(stop)) });
      case 8: return ion('string', fromUtf8(b.subarray(this.at, stop)));
      case 9: return ion('clob', b.slice(this.at, stop));
      case 10: return ion('blob', b.slice(this.at, stop));
      case 11: case 12: {
        const items = [];
        while (this.at < stop) { const v = this.value(stop); if (v !== undefined) items.push(v); }
        return ion(high === 11 ? 'list' : 'sexp', items);
      }
      case 13: {
        const fields = [];
        while (this.at < stop) {
          const sid = this.varUInt(stop);
          const v = this.value(stop);
          if (v !== undefined) fields.push({ name: this.symbol(sid), value: v });
        }
        return ion('struct', fields);
      }
      default: this.fail(`bad type code ${high}`);
    }
  }

  timestamp(stop) {
    const off = this.varInt(stop);
    const offset = off.negative && off.magnitude === 0n ? null : Number(off.negative ? -off.magnitude : off.magnitude);
    const t = { precision: 'year', year: Number(this.varUInt(stop)), month: 1, day: 1, hour: 0, minute: 0, second: 0,
      fraction: null, offset };
    if (this.at < stop) { t.month = Number(this.varUInt(stop)); t.precision = 'month'; }
    if (this.at < stop) { t.day = Number(this.varUInt(stop)); t.precision = 'day'; }
    if (this.at < stop) {
      t.hour = Number(this.varUInt(stop)); t.minute = Number(this.varUInt(stop)); t.precision = 'minute';
    }
    if (this.at < stop) { t.second = Number(this.varUInt(stop)); t.precision = 'second'; }
    if (this.at < stop) {
      const e = this.varInt(stop);
      const c = this.int(stop);
      t.fraction = { negative: c.negative, magnitude: c.magnitude, exponent: Number(e.negative ? -e.magnitude : e.magnitude) };
    }
    if (t.precision !== 'minute' && t.precision !== 'second') t.offset = null;
    return t;
  }

  localTable(v) {
    const imports = v.value.find((f) => f.name === 'imports');
    const symbols = v.value.find((f) => f.name === 'symbols');
    const append = imports && imports.value.type === 'symbol' && imports.value.value && imports.value.value.text === '$ion_symbol_table';
    if (imports && !append && imports.value.type === 'list' && imports.value.value && imports.value.value.length) {
      this.fail('shared symbol table imports are not supported');
    }
    const base = append ? this.symbols : SYSTEM_SYMBOLS.slice();
    if (symbols && symbols.value.type === 'list' && symbols.value.value) {
      for (const s of symbols.value.value) base.push(s.type === 'string' && s.value !== null ? s.value : null);
    }
    this.symbols = base;
  }
}

