import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeRegion, startFakeRegion } from "../testing/fake-region.ts";
import { sampleSale, testAgent } from "../testing/fixtures.ts";
import { FAST_SYNC } from "../testing/sync-settings.ts";

const TOKEN = "tl_store_idle_load_token_0123456789abcdef";

describe("an idle register's load on its regions", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /**
   * Regions A and B and an in-process agent at fast paces (probe a failed region every 100 ms, a
   * healthy one every 10 s; idle reads from 50 ms to 800 ms), its first sale synced.
   */
  async function syncedAgent() {
    const regions = await Promise.all(["A", "B"].map((name) => startFakeRegion({ name, acceptToken: TOKEN })));
    for (const r of regions) cleanups.push(() => r.close());
    const sync = { ...FAST_SYNC, probeIntervalMs: 100, healthyProbeIntervalMs: 10_000, idlePollMs: 50, idlePollMaxMs: 800 };
    const agent = testAgent(
      { regions: regions.map((r) => ({ name: r.name, url: r.url })), storeToken: TOKEN, sync },
      { syncThread: "in-process" },
    );
    cleanups.push(() => agent.done());
    expect(agent.service.recordSale(sampleSale()).status).toBe(201);
    await expect.poll(() => agent.queue.read().counts, { timeout: 10_000, interval: 50 }).toMatchObject({ acked: 1 });
    return { agent, a: regions[0] as FakeRegion, b: regions[1] as FakeRegion };
  }

  it("backs its status reads off and probes healthy regions rarely, and still syncs a sale at once", async () => {
    const { agent, a, b } = await syncedAgent();

    const before = { a: a.calls(), b: b.calls() };
    // Three seconds idle. At the base paces that would be about 60 status reads and 30 probes per region.
    await sleep(3000);
    const idle = {
      statusReads: a.calls().statusReads - before.a.statusReads,
      probesA: a.calls().probes - before.a.probes,
      probesB: b.calls().probes - before.b.probes,
    };
    expect(idle.statusReads).toBeGreaterThanOrEqual(2);
    expect(idle.statusReads).toBeLessThan(15);
    expect(idle.probesA).toBeLessThanOrEqual(1);
    expect(idle.probesB).toBeLessThanOrEqual(1);
    expect(b.batches).toEqual([]);

    // A sale ends the idle wait: it is sent without waiting out the backed-off interval.
    expect(agent.service.recordSale(sampleSale()).status).toBe(201);
    await expect.poll(() => agent.queue.read().counts, { timeout: 10_000, interval: 50 }).toMatchObject({ acked: 2 });
    expect(a.batches.filter((x) => x.accepted).length).toBe(2);
  });

  it("sells steadily without a status read or probe per sale: each batch's answer says what the region holds", async () => {
    const { agent, a, b } = await syncedAgent();

    const before = a.calls();
    // A sale every 150 ms for 3 s. Were each batch to reset the idle pace, a status read would follow every sale.
    const sales = 20;
    for (let i = 0; i < sales; i++) {
      expect(agent.service.recordSale(sampleSale()).status).toBe(201);
      await sleep(150);
    }
    await expect.poll(() => agent.queue.read().counts, { timeout: 10_000, interval: 50 }).toMatchObject({ acked: sales + 1 });
    const selling = { statusReads: a.calls().statusReads - before.statusReads, probes: a.calls().probes - before.probes };
    // Every sale reached A (acked above) without region B's help.
    expect(b.batches).toEqual([]);
    expect(selling.statusReads).toBeLessThan(5);
    // Region A answered a batch every 150 ms: it is known to be there without a probe.
    expect(selling.probes).toBe(0);
  });
});
