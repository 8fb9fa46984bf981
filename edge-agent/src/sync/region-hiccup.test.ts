import { afterEach, describe, expect, it } from "vitest";
import { type FakeRegion, startFakeRegion } from "../testing/fake-region.ts";
import { syncStatusOf, testAgent } from "../testing/fixtures.ts";
import { recordSales, waitForAcked } from "../testing/outbox-expectations.ts";
import { FAST_SYNC } from "../testing/sync-settings.ts";

const TOKEN = "tl_store_hiccup_token_0123456789abcdef0123";

/** Probes every 200 ms as in FAST_SYNC, a breaker that opens after 3 failed batches in a row. */
const SYNC = { ...FAST_SYNC, breakerFailures: 3, requestTimeoutMs: 20_000, failbackAfterMs: 60_000 };

type TestAgent = ReturnType<typeof testAgent>;

/**
 * A register keeps its sales in the region it syncs to through that region's passing faults (an
 * instance dying behind its balancer answers a batch or two 503), and moves them to the next
 * region only once the region looks down: its breaker open after consecutive failures.
 */
describe("a passing fault of the register's region", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(): Promise<{ a: FakeRegion; b: FakeRegion; agent: TestAgent }> {
    const a = await startFakeRegion({ name: "A", acceptToken: TOKEN });
    const b = await startFakeRegion({ name: "B", acceptToken: TOKEN });
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    const agent = testAgent(
      {
        regions: [
          { name: "A", url: a.url },
          { name: "B", url: b.url },
        ],
        storeToken: TOKEN,
        sync: SYNC,
      },
      { syncThread: "in-process" },
    );
    cleanups.push(() => agent.done());
    recordSales(agent, 5);
    await waitForAcked(agent, 5);
    return { a, b, agent };
  }

  it("fewer failed batches than the breaker counts: the sales go to the same region, none to the next", async () => {
    const { a, b, agent } = await setup();
    a.failBatches(SYNC.breakerFailures - 1);
    recordSales(agent, 10);
    await waitForAcked(agent, 15);
    expect(a.failedBatches()).toBe(SYNC.breakerFailures - 1);
    expect(b.deliveries.size).toBe(0);
    expect(a.deliveries.size).toBe(15);
    const status = await syncStatusOf(agent);
    expect(status.activeRegion).toBe("A");
    // Retried, not offline: the register never said it had lost the cloud.
    expect(status.offlineSince).toBeNull();
  });

  it("a region that keeps failing: once its breaker opens the sales go to the next region", async () => {
    const { a, b, agent } = await setup();
    const before = new Set(a.deliveries.keys());
    a.failBatches(Number.POSITIVE_INFINITY);
    recordSales(agent, 10);
    await waitForAcked(agent, 15);
    expect(a.failedBatches()).toBe(SYNC.breakerFailures);
    expect(a.deliveries.size).toBe(5);
    // Every new sale reached B (which may also be sent the 5 A took, not knowing them replicated).
    const sinceFailing = [...b.deliveries.keys()].filter((id) => !before.has(id));
    expect(sinceFailing).toHaveLength(10);
    const status = await syncStatusOf(agent);
    expect(status.activeRegion).toBe("B");
    expect(status.regions.find((r) => r.name === "A")?.breaker).toBe("open");
  });
});
