import { describe, expect, it } from "vitest";
import { generateStoredValueKeys, lastFourOf, SealedNumberError, sealNumber, storedValueToken, unsealNumber } from "./sealing.ts";

const keys = generateStoredValueKeys();
const NUMBER = "6035 7100 1234 5678 901";

describe("stored-value numbers", () => {
  it("are sealed so only the regions' private key opens them, differently each time", () => {
    const a = sealNumber(keys.sealPublicKey, NUMBER);
    const b = sealNumber(keys.sealPublicKey, NUMBER);
    expect(a).not.toBe(b);
    expect(a).not.toContain("1234");
    expect(unsealNumber(keys.sealPrivateKey, a)).toBe("6035710012345678901");
    expect(unsealNumber(keys.sealPrivateKey, b)).toBe("6035710012345678901");
  });

  it("sealed with another key pair, or damaged, is refused with a clear error", () => {
    const other = generateStoredValueKeys();
    expect(() => unsealNumber(keys.sealPrivateKey, sealNumber(other.sealPublicKey, NUMBER))).toThrow(SealedNumberError);
    expect(() => unsealNumber(keys.sealPrivateKey, "not-sealed")).toThrow(/could not be opened/);
  });

  it("name an account by a keyed hash: stable, per kind, and nothing without the regions' secret", () => {
    const token = storedValueToken(keys.tokenKey, "gift_card", NUMBER);
    expect(token).toMatch(/^sv_[A-Za-z0-9_-]{32}$/);
    expect(storedValueToken(keys.tokenKey, "gift_card", "6035710012345678901")).toBe(token);
    expect(storedValueToken(keys.tokenKey, "store_credit", NUMBER)).not.toBe(token);
    expect(storedValueToken(generateStoredValueKeys().tokenKey, "gift_card", NUMBER)).not.toBe(token);
    expect(lastFourOf(NUMBER)).toBe("8901");
  });

  it("refuse what cannot be a card or credit number", () => {
    expect(() => sealNumber(keys.sealPublicKey, "123")).toThrow(/8 to 32/);
  });
});
