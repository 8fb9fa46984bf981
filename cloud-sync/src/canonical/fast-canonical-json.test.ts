import { canonicalJson } from "@tenderline/shared";
import { describe, expect, it } from "vitest";
import { returnEvent, saleEvent } from "../testing/events.ts";
import { fastCanonicalJson } from "./fast-canonical-json.ts";

/** A small deterministic generator of JSON-ish values, including awkward keys, strings and numbers. */
function* values(seed: number, count: number): Generator<unknown> {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const keys = ["a", "B", "é", "😀", "_", "a b", "10", "2", "", "\u0000", "Z", "zz", "\ud7ff", "\ue000"];
  const strings = ["", "x", 'quote " and \\ back', "line\nbreak", "\u2028", "ü", "😀", "\ud800"];
  const numbers = [0, -0, 1, -1, 1.5, 1e21, 1e-7, 2 ** 53 - 1, -123456789];
  const gen = (depth: number): unknown => {
    const r = rand();
    if (depth > 3 || r < 0.3) {
      const k = Math.floor(rand() * 4);
      if (k === 0) return strings[Math.floor(rand() * strings.length)];
      if (k === 1) return numbers[Math.floor(rand() * numbers.length)];
      if (k === 2) return rand() < 0.5;
      return null;
    }
    if (r < 0.6) return Array.from({ length: Math.floor(rand() * 4) }, () => (rand() < 0.1 ? undefined : gen(depth + 1)));
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(rand() * 5); i > 0; i--)
      o[keys[Math.floor(rand() * keys.length)] as string] = rand() < 0.1 ? undefined : gen(depth + 1);
    return o;
  };
  for (let i = 0; i < count; i++) yield gen(0);
}

describe("fastCanonicalJson", () => {
  it("produces the shared canonical JSON byte for byte", () => {
    for (const v of values(7, 3000)) expect(fastCanonicalJson(v)).toBe(canonicalJson(v));
    for (const e of [saleEvent({ seq: 1 }), returnEvent({ seq: 2, originalTransactionId: "t", tenderId: "t1", amount: 5 })]) {
      expect(fastCanonicalJson(e)).toBe(canonicalJson(e));
    }
  });

  it("refuses what JSON cannot carry, as the shared one does", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, () => 1, 10n, { a: [Symbol("s")] }]) {
      expect(() => fastCanonicalJson(bad)).toThrow(TypeError);
      expect(() => canonicalJson(bad)).toThrow(TypeError);
    }
  });
});
