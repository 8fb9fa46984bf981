import { generateStoredValueKeys, luhnValid, unsealNumber } from "@tenderline/shared";
import { describe, expect, it } from "vitest";
import { RegisterRefusal } from "../register/refusal.ts";
import { mintStoreCreditNumber, StoredValueNumberError, sealStoredValueNumber } from "./seal.ts";

const keys = generateStoredValueKeys();

describe("store credit numbers", () => {
  it("are 16 digits from the prefix, random, and never Luhn-valid (never taken for a payment card)", () => {
    const numbers = Array.from({ length: 200 }, () => mintStoreCreditNumber("9"));
    for (const n of numbers) {
      expect(n).toMatch(/^9\d{15}$/);
      expect(luhnValid(n)).toBe(false);
    }
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(mintStoreCreditNumber("7734")).toMatch(/^7734\d{12}$/);
  });

  it("pass the seal route's PAN guard and seal to themselves", () => {
    const n = mintStoreCreditNumber("9");
    const sealed = sealStoredValueNumber("store_credit", n, { sealKey: keys.sealPublicKey, giftCardPrefixes: [] });
    expect(sealed.last4).toBe(n.slice(-4));
    expect(unsealNumber(keys.sealPrivateKey, sealed.sealed)).toBe(n);
  });
});

describe("sealing a number", () => {
  const sealing = { sealKey: keys.sealPublicKey, giftCardPrefixes: ["603571"] };

  it("refuses payment cards outside the gift ranges and malformed codes, without repeating them", () => {
    const pan = () => sealStoredValueNumber("gift_card", "4111 1111 1111 1111", sealing);
    expect(pan).toThrow(StoredValueNumberError);
    try {
      pan();
    } catch (error) {
      if (!(error instanceof StoredValueNumberError)) throw error;
      expect(error.code).toBe("pan_detected");
      expect(error.message).not.toContain("4111");
    }
    expect(() => sealStoredValueNumber("gift_card", "AB*CD!", sealing)).toThrow(/6 to 40/);
    expect(() => sealStoredValueNumber("gift_card", "ABCDEFG1", sealing)).toThrow(/four digits/);
  });

  it("takes spaced and dashed codes; without the key it names the setting", () => {
    expect(sealStoredValueNumber("gift_card", "GC-2024-0042", sealing).last4).toBe("0042");
    expect(() => sealStoredValueNumber("gift_card", "GC-2024-0042", { sealKey: undefined, giftCardPrefixes: [] })).toThrow(
      RegisterRefusal,
    );
    expect(() => sealStoredValueNumber("gift_card", "GC-2024-0042", { sealKey: undefined, giftCardPrefixes: [] })).toThrow(
      /storedValueSealKey/,
    );
  });
});
