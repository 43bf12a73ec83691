// The Ion data model used by the console's readers, writers and hasher.
// A value is {type, value, annotations}; value === null means null.<type>.
//   bool: boolean; int: BigInt; float: Number;
//   decimal: {negative, magnitude: BigInt, exponent: Number};
//   timestamp: {precision, year, month, day, hour, minute, second (UTC fields),
//               fraction: decimal | null, offset: minutes | null (unknown)};
//   symbol: {text: string | null}; string: string; clob, blob: Uint8Array;
//   list, sexp: [value]; struct: [{name: string | null, value}].
// Annotations and field names are symbol texts (null: no known text, $0).

export const TYPES = ['null', 'bool', 'int', 'float', 'decimal', 'timestamp', 'symbol',
  'string', 'clob', 'blob', 'list', 'sexp', 'struct'];

/** Ion binary type codes (the high nibble); int is 2 (3 for negative). */
export const TYPE_CODE = { null: 0, bool: 1, int: 2, float: 4, decimal: 5, timestamp: 6, symbol: 7,
  string: 8, clob: 9, blob: 10, list: 11, sexp: 12, struct: 13 };

export const PRECISIONS = ['year', 'month', 'day', 'minute', 'second'];

export const SYSTEM_SYMBOLS = [null, '$ion', '$ion_1_0', '$ion_symbol_table', 'name', 'version',
  'imports', 'symbols', 'max_id', '$ion_shared_symbol_table'];

export function ion(type, value, annotations = []) {
  return { type, value, annotations };
}

export const str = (s) => ion('string', s);
export const sym = (text) => ion('symbol', { text });

export function isNull(v) { return v.value === null; }

/** The value of a struct's first field named `name`, or undefined. */
export function field(v, name) {
  if (!v || v.type !== 'struct' || v.value === null) return undefined;
  const f = v.value.find((f) => f.name === name);
  return f ? f.value : undefined;
}

/** A plain JS view for display and quick access: structs become objects. */
export function toJS(v) {
  if (v.value === null) return null;
  switch (v.type) {
    case 'list': case 'sexp': return v.value.map(toJS);
    case 'struct': return Object.fromEntries(v.value.map((f) => [f.name, toJS(f.value)]));
    case 'symbol': return v.value.text;
    case 'int': return Number.isSafeInteger(Number(v.value)) ? Number(v.value) : v.value;
    default: return v.value;
  }
}

/** Converts local date-time fields at `offset` minutes to UTC fields (and back with -offset). */
export function shiftMinutes(f, minutes) {
  const d = new Date(0);
  d.setUTCFullYear(f.year, f.month - 1, f.day);
  d.setUTCHours(f.hour, f.minute - minutes, 0, 0);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
    hour: d.getUTCHours(), minute: d.getUTCMinutes() };
}

export class IonParseError extends Error {
  constructor(message, offset) { super(`Ion error at ${offset}: ${message}`); this.offset = offset; }
}
