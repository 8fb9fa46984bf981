import { generateStoredValueKeys } from "@tenderline/shared";
import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_OFFLINE_STORED_VALUE_LIMITS, offlineStoredValueLimit, parseConfig } from "./config.ts";

const base = { storeId: "store-1", registerId: "reg-1", dataDir: "/tmp/x" };

describe("stored-value settings", () => {
  it("defaults: no seal key, offline caps per currency with a fallback, a short region wait, prefix 9", () => {
    const c = parseConfig(base);
    expect(c.storedValueSealKey).toBeUndefined();
    expect(c.offlineStoredValueLimits).toEqual(DEFAULT_OFFLINE_STORED_VALUE_LIMITS);
    expect(offlineStoredValueLimit(c, "USD")).toEqual({ perTender: 10_000, outstanding: 50_000 });
    expect(offlineStoredValueLimit(c, "JPY")).toEqual(c.offlineStoredValueLimits["*"]);
    expect(c.storedValueTimeoutMs).toBe(1500);
    expect(c.storeCreditPrefix).toBe("9");
  });

  it("takes the regions' public key as SPKI PEM and refuses anything else (a private key above all)", () => {
    const keys = generateStoredValueKeys();
    expect(parseConfig({ ...base, storedValueSealKey: keys.sealPublicKey }).storedValueSealKey).toBe(keys.sealPublicKey);
    expect(() => parseConfig({ ...base, storedValueSealKey: keys.sealPrivateKey })).toThrow(/storedValueSealKey/);
    expect(() => parseConfig({ ...base, storedValueSealKey: "abc" })).toThrow(ConfigError);
    expect(() => parseConfig({ ...base, offlineStoredValueLimits: { USD: { perTender: 1.5, outstanding: 10 } } })).toThrow(
      /offlineStoredValueLimits/,
    );
    expect(() => parseConfig({ ...base, storeCreditPrefix: "9x" })).toThrow(/storeCreditPrefix/);
  });
});
