import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cardTender, envelope, exchangePayload, returnPayload, salePayload, usd } from "../testing/fixtures.ts";
import { canonicalJson } from "./canonical-json.ts";
import { fastCanonicalJson } from "./fast-canonical-json.ts";

/** Any UTF-16 code units: lone surrogates, controls, quotes and backslashes included. */
const codeUnits = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xd800, max: 0xdfff })), { maxLength: 8 })
  .map((units) => String.fromCharCode(...units));

/** Keys that trip naive encoders: out of order, index-like, empty, escapes, surrogates, inherited names. */
const awkwardKey = fc.oneof(
  fc.string({ unit: "binary", maxLength: 6 }),
  codeUnits,
  fc.constantFrom(
    "__proto__",
    "constructor",
    "toString",
    "10",
    "2",
    "0",
    "",
    "a",
    "B",
    "\u0000",
    "😀",
    "\ud800",
    "\ue000",
    '"',
    "\\",
  ),
);

/** Any value canonicalJson can encode: binary strings (lone surrogates too), all finite doubles, undefined members and items. */
const { value: anyValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { maxDepth: 4, depthIdentifier: "v" },
    fc.string({ unit: "binary", maxLength: 12 }),
    codeUnits,
    fc.constantFrom('"', "\\", 'say "hi"', "back\\slash", "\n", "\u007f", "\u2028", "\ud800", "\udc00x", "😀", "é"),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    tie("array"),
    tie("object"),
  ),
  array: fc.array(fc.option(tie("value"), { nil: undefined, freq: 8 }), { maxLength: 5, depthIdentifier: "v" }),
  // fromEntries defines "__proto__" as an own member, as JSON.parse does.
  object: fc
    .array(fc.tuple(awkwardKey, fc.option(tie("value"), { nil: undefined, freq: 8 })), { maxLength: 6, depthIdentifier: "v" })
    .map((entries) => Object.fromEntries(entries)),
}));

/** Events as the contract shapes them, with their members shuffled and values varied. */
const shuffledEvent = fc
  .record({
    seq: fc.integer({ min: 1, max: 2 ** 40 }),
    text: fc.oneof(fc.string({ unit: "binary", maxLength: 20 }), codeUnits),
    amount: fc.integer({ min: 0, max: 10 ** 9 }),
    payload: fc.constantFrom(salePayload(), returnPayload(), exchangePayload(), { tenders: [cardTender(100)], total: usd(100) }),
    type: fc.constantFrom("sale.completed", "return.completed", "exchange.completed"),
    seed: fc.integer(),
  })
  .map(({ seq, text, amount, payload, type, seed }) => {
    const e = envelope(type, structuredClone(payload), seq) as Record<string, unknown>;
    e.note = text;
    (e.payload as Record<string, unknown>).extra = { amount: usd(amount), text };
    return shuffle(e, seed);
  });

/** The same members in another insertion order, at every depth. */
function shuffle(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => shuffle(v, seed + i));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value);
  let s = seed >>> 0;
  for (let i = entries.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [entries[i], entries[j]] = [entries[j] as [string, unknown], entries[i] as [string, unknown]];
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, shuffle(v, seed * 31 + k.length)]));
}

describe("fastCanonicalJson", () => {
  it("encodes any value byte for byte as canonicalJson does", () => {
    fc.assert(
      fc.property(anyValue, (v) => {
        expect(fastCanonicalJson(v)).toBe(canonicalJson(v));
      }),
      { numRuns: 5000 },
    );
  });

  it("encodes parsed JSON text (what a region receives) as canonicalJson does", () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: "binary" }), (v) => {
        const received = JSON.parse(JSON.stringify(v)) as unknown;
        expect(fastCanonicalJson(received)).toBe(canonicalJson(received));
      }),
      { numRuns: 3000 },
    );
  });

  it("encodes events in any member order as canonicalJson does", () => {
    fc.assert(
      fc.property(shuffledEvent, (e) => {
        expect(fastCanonicalJson(e)).toBe(canonicalJson(e));
        expect(fastCanonicalJson(JSON.parse(JSON.stringify(e)))).toBe(canonicalJson(e));
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps a member named __proto__ as data, not as the prototype", () => {
    const v = JSON.parse('{"b":1,"__proto__":{"x":[1,{"z":0,"a":-0}]}}') as unknown;
    expect(fastCanonicalJson(v)).toBe('{"__proto__":{"x":[1,{"a":0,"z":0}]},"b":1}');
    expect(fastCanonicalJson(v)).toBe(canonicalJson(v));
  });

  it("refuses what JSON cannot carry, as canonicalJson does", () => {
    for (const bad of [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      () => 1,
      10n,
      Symbol("s"),
      { a: [Symbol("s")] },
      [1, { b: Number.NaN }],
    ]) {
      expect(() => fastCanonicalJson(bad)).toThrow(TypeError);
      expect(() => canonicalJson(bad)).toThrow(TypeError);
    }
  });
});
