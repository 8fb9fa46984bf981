import { describe, expect, it } from "vitest";
import { hashPin, PIN_HASH_PATTERN, PinFormatError, verifyPin } from "./pin-hash.ts";

describe("PIN hashes", () => {
  it("a PIN verifies against its own hash and no other PIN does", async () => {
    const stored = await hashPin("246810");
    expect(stored).toMatch(PIN_HASH_PATTERN);
    expect(await verifyPin("246810", stored)).toBe(true);
    expect(await verifyPin("246811", stored)).toBe(false);
    expect(await verifyPin("", stored)).toBe(false);
  });

  it("the hash never holds the PIN, and the same PIN hashes differently each time (salted)", async () => {
    const a = await hashPin("135790");
    const b = await hashPin("135790");
    expect(a).not.toBe(b);
    expect(a).not.toContain("135790");
    expect(Buffer.from(a.split(":")[5] as string, "base64url").toString("latin1")).not.toContain("135790");
  });

  it("uses a slow scrypt cost by default", async () => {
    const [, n, r] = (await hashPin("246810")).split(":");
    expect(Number(n)).toBeGreaterThanOrEqual(16_384);
    expect(Number(r)).toBeGreaterThanOrEqual(8);
  });

  it("refuses PINs shorter than 6 characters when hashing", async () => {
    await expect(hashPin("1234")).rejects.toThrow(PinFormatError);
    await expect(hashPin("1234")).rejects.toThrow(/6 to 64 characters/);
  });

  it("a malformed stored hash is an error that says so, never a silent yes", async () => {
    await expect(verifyPin("246810", "246810")).rejects.toThrow(/scrypt:N:r:p:salt:hash/);
  });
});
