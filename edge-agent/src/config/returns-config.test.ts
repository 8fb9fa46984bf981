import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./config.ts";

const base = { storeId: "store-1", registerId: "reg-1", dataDir: "/tmp/x" };

describe("returns settings", () => {
  it("defaults: a 1.5 s lookup and caps on unverified returns per return and per day", () => {
    const c = parseConfig(base);
    expect(c.returnLookupTimeoutMs).toBe(1500);
    expect(c.unverifiedReturnLimit).toEqual({ perReturn: 10_000, perDay: 30_000 });
  });

  it("takes the store's own caps, and refuses ones that are not whole minor units", () => {
    expect(parseConfig({ ...base, unverifiedReturnLimit: { perReturn: 2500 } }).unverifiedReturnLimit).toEqual({
      perReturn: 2500,
      perDay: 30_000,
    });
    expect(() => parseConfig({ ...base, unverifiedReturnLimit: { perReturn: 12.5 } })).toThrow(ConfigError);
    expect(() => parseConfig({ ...base, returnLookupTimeoutMs: 0 })).toThrow(/returnLookupTimeoutMs/);
  });
});
