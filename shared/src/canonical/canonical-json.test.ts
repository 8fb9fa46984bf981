import { describe, expect, it } from "vitest";
import { canonicalJson, contentHash, idempotencyVerdict } from "./canonical-json.ts";

describe("canonical JSON and content hash", () => {
  it("sorts keys at every depth and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it("hashes the same content the same whatever the key order", () => {
    const a = { eventId: "e1", payload: { amount: { amount: 100, currency: "USD" }, sku: "A" } };
    const b = { payload: { sku: "A", amount: { currency: "USD", amount: 100 } }, eventId: "e1" };
    expect(contentHash(a)).toBe(contentHash(b));
    expect(contentHash(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("tells a duplicate from a conflict", () => {
    const stored = contentHash({ eventId: "e1", payload: { amount: 100 } });
    expect(idempotencyVerdict(undefined, stored)).toBe("new");
    expect(idempotencyVerdict(stored, contentHash({ payload: { amount: 100 }, eventId: "e1" }))).toBe("duplicate");
    expect(idempotencyVerdict(stored, contentHash({ eventId: "e1", payload: { amount: 101 } }))).toBe("conflict");
  });

  it("keeps array order significant", () => {
    expect(contentHash([1, 2])).not.toBe(contentHash([2, 1]));
  });

  it("refuses values JSON cannot carry", () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/NaN/);
    expect(() => canonicalJson({ a: 1n })).toThrow(/bigint/);
  });
});
