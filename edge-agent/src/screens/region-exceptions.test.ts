import { describe, expect, it } from "vitest";
import { startFakeRegion } from "../testing/fake-region.ts";
import { RegionExceptions, toExceptionItem } from "./region-exceptions.ts";

describe("a region's exception records as the manager reads them", () => {
  it("keeps the kind, a readable subject and when it was raised, whatever else the record holds", () => {
    expect(
      toExceptionItem({
        kind: "amount_mismatch",
        storeId: "s1",
        subject: "tender T-1 settled for 29.00, recorded 30.00",
        detail: { expected: 3000 },
        raisedAt: "2026-01-01T00:00:00Z",
      }),
    ).toEqual({ kind: "amount_mismatch", detail: "tender T-1 settled for 29.00, recorded 30.00", at: "2026-01-01T00:00:00Z" });
    expect(toExceptionItem({ type: "gap", terminalTxnId: "T-2" })).toEqual({ kind: "gap", detail: "T-2", at: null });
    expect(toExceptionItem(null)).toEqual({ kind: "exception", detail: "", at: null });
  });
});

describe("reading a region's exceptions for the manager screen", () => {
  it("uses the register's credential as it is at each read, so a replaced one takes effect without a restart", async () => {
    const region = await startFakeRegion({ name: "A", acceptToken: "tl_store_new" });
    try {
      let credential = "tl_store_old";
      const exceptions = new RegionExceptions("store-1", () => credential, 0);
      expect(await exceptions.read([region])).toMatchObject({ available: false, note: expect.stringMatching(/401/) });
      credential = "tl_store_new";
      expect(await exceptions.read([region])).toEqual({ available: true, note: null, region: "A", items: [] });
    } finally {
      await region.close();
    }
  });
});
