/**
 * `canonicalJson`, byte for byte (keys sorted by UTF-16 code unit at every depth, no
 * whitespace, `undefined` members dropped, `undefined` array items as null), written for the ingest
 * hot path: one string built in place, keys sorted only when they are not already in order, each
 * key quoted once per process, and strings that need no escaping quoted without JSON.stringify.
 * `canonicalJson` stays the definition; fast-canonical-json.test.ts checks the two agree.
 */
export function fastCanonicalJson(value: unknown): string {
  if (typeof value === "string") return quoteString(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("canonical JSON has no encoding for NaN or Infinity");
    // For a finite number, String() and JSON.stringify() print the same digits (-0 as 0 in both).
    return `${value}`;
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value === null) return "null";
  if (typeof value !== "object") throw new TypeError(`canonical JSON cannot encode a ${typeof value}`);
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (i > 0) out += ",";
      out += item === undefined ? "null" : fastCanonicalJson(item);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  // Default sort compares UTF-16 code units, as the shared `a < b` comparator does.
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) > (keys[i] as string)) {
      keys.sort();
      break;
    }
  }
  let out = "";
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    out += (out === "" ? "{" : ",") + quotedKey(key) + fastCanonicalJson(member);
  }
  return out === "" ? "{}" : `${out}}`;
}

/** Characters JSON.stringify escapes (quote, backslash, controls) or may (surrogates, paired or lone). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function quoteString(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** Keys repeat across events (a few dozen names): each is quoted once. Bounded, so odd input cannot grow it without limit. */
const QUOTED_KEYS = new Map<string, string>();
const MAX_QUOTED_KEYS = 10_000;

function quotedKey(key: string): string {
  let quoted = QUOTED_KEYS.get(key);
  if (quoted === undefined) {
    quoted = `${JSON.stringify(key)}:`;
    if (QUOTED_KEYS.size < MAX_QUOTED_KEYS) QUOTED_KEYS.set(key, quoted);
  }
  return quoted;
}
