import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isReceiptNumber, normalizeReceiptNumber, receiptNumber } from "./receipt-number.ts";

describe("receipt numbers", () => {
  it("name the store, the register and the sequence, with a check character", () => {
    const n = receiptNumber("s1", "r2", 1042);
    expect(n).toMatch(/^S1-R2-1042-[0-9A-Z*]$/);
    expect(isReceiptNumber(n)).toBe(true);
    expect(isReceiptNumber(n.toLowerCase())).toBe(true);
    expect(isReceiptNumber(`  ${n} `)).toBe(true);
  });

  it("catch every single mistyped character and every swap of two neighbouring digits", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9_999_999 }), fc.nat(), (seq, at) => {
        const n = receiptNumber("S1", "R2", seq);
        const digits = [...n.matchAll(/\d/g)].map((m) => m.index as number);
        const i = digits[at % digits.length] as number;
        const c = n.charAt(i);
        const typo = `${n.slice(0, i)}${c === "9" ? "0" : String(Number(c) + 1)}${n.slice(i + 1)}`;
        expect(isReceiptNumber(typo)).toBe(false);
        const j = i + 1;
        if (/\d/.test(n.charAt(j)) && n.charAt(j) !== c) {
          const swapped = `${n.slice(0, i)}${n.charAt(j)}${c}${n.slice(j + 1)}`;
          expect(isReceiptNumber(swapped)).toBe(false);
        }
      }),
    );
  });

  it("are distinct per register and sequence", () => {
    expect(receiptNumber("S1", "R1", 12)).not.toBe(receiptNumber("S1", "R1", 13));
    expect(receiptNumber("S1", "R1", 12)).not.toBe(receiptNumber("S1", "R2", 12));
  });

  it("refuse what is not one: a transaction id, no check character, a bad seq", () => {
    expect(isReceiptNumber("0193a9b2-7c4e-7000-8000-000000000001")).toBe(false);
    expect(isReceiptNumber("S1-R1-12")).toBe(false);
    expect(() => receiptNumber("S1", "R1", 0)).toThrow(RangeError);
    expect(normalizeReceiptNumber(" s1-r1-3-x ")).toBe("S1-R1-3-X");
  });
});
