import { ReturnRecordedSchema } from "@tenderline/shared";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeRegion, startFakeRegion } from "../testing/fake-region.ts";
import { post, testAgent } from "../testing/fixtures.ts";
import { FAST_SYNC } from "../testing/sync-settings.ts";
import { startFakeReturnsRegion } from "./fake-returns-region.ts";

const TOKEN = "tl_store_returns";

describe("which region a return asks: the sync engine's current choice", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("leaves out a region the engine knows is down, and a return then goes ahead unverified when the chosen one does not know the original", async () => {
    // A: configured first, but nothing listens there.
    const gone = await startFakeReturnsRegion("A");
    const goneUrl = gone.url;
    await gone.close();
    const b: FakeRegion = await startFakeRegion({ name: "B", acceptToken: TOKEN });
    cleanups.push(() => b.close());
    const agent = testAgent({
      registerId: "reg-2",
      storeToken: TOKEN,
      regions: [
        { name: "A", url: goneUrl },
        { name: "B", url: b.url },
      ],
      sync: FAST_SYNC,
    });
    cleanups.push(() => agent.done());
    const sync = agent.sync;
    if (!sync) throw new Error("the agent should run a sync engine");

    await expect.poll(() => sync.regionChoice(), { timeout: 10_000, interval: 20 }).toEqual([{ name: "B", url: b.url }]);

    // B has no returns routes (a 404, like an original the cloud does not know): offline treatment.
    const res = await post(agent.app, "/api/v1/returns", {
      cashierId: "c-2",
      reason: "changed mind",
      items: [{ transactionId: "tx-elsewhere", sku: "TEE", quantity: 1, unitPrice: { amount: 1000, currency: "USD" } }],
    });
    expect(res.status).toBe(201);
    expect(res.parse(ReturnRecordedSchema).verified).toBe(false);
  });
});
