import { afterAll, describe, expect, it } from "vitest";
import { sampleSale, syncStatusOf, tempDir, testAgent } from "../testing/fixtures.ts";
import { type RegionProcess, regionEvents, STORE_TOKEN, startRegion } from "../testing/region-process.ts";
import { FAST_SYNC } from "../testing/sync-settings.ts";

describe("the only region goes away and comes back", () => {
  const dirs = tempDir("tl-outage-");
  const regions: RegionProcess[] = [];
  afterAll(async () => {
    for (const r of regions) await r.kill();
    dirs.cleanup();
  });

  it("sales keep being recorded offline, the status says since when, and the backlog drains by itself on return", async () => {
    let a = await startRegion({ name: "A", dataDir: `${dirs.dir}/A`, storeId: "store-1" });
    regions.push(a);
    const agent = testAgent({
      registerId: "reg-outage",
      regions: [{ name: "A", url: a.url }],
      storeToken: STORE_TOKEN,
      sync: FAST_SYNC,
    });
    try {
      const ids = new Set<string>();
      for (let i = 0; i < 100; i++) ids.add(agent.service.recordSale(sampleSale()).body.eventId);
      await expect.poll(() => agent.queue.read().counts.acked, { timeout: 30_000 }).toBe(100);

      await a.kill("SIGKILL");
      for (let i = 0; i < 100; i++) ids.add(agent.service.recordSale(sampleSale()).body.eventId);
      await expect.poll(async () => (await syncStatusOf(agent)).state, { timeout: 30_000, interval: 100 }).toBe("offline");
      const offline = await syncStatusOf(agent);
      expect(offline.offlineSince).not.toBeNull();
      expect(offline.regions[0]).toMatchObject({
        name: "A",
        healthy: false,
        lastError: expect.stringMatching(/unreachable|ECONNREFUSED|health/),
      });
      const queue = agent.queue.read();
      expect(queue.counts.pending).toBe(100);
      expect(queue.oldestPendingAgeMs).toBeGreaterThanOrEqual(0);
      expect(queue.byType).toEqual(expect.arrayContaining([{ state: "pending", type: "sale.completed", count: 100 }]));

      // No new sale, no restart of the agent, no click: the region's return alone drains the backlog.
      a = await startRegion({ name: "A", dataDir: `${dirs.dir}/A`, storeId: "store-1", port: a.port });
      regions.push(a);
      await expect
        .poll(() => agent.queue.read().counts, { timeout: 60_000, interval: 100 })
        .toMatchObject({ pending: 0, acked: 200 });
      const back = await syncStatusOf(agent);
      expect(back.offlineSince).toBeNull();
      expect(back.regions[0]?.healthy).toBe(true);
      const held = (await regionEvents(a.url)).filter((e) => e.registerId === "reg-outage").map((e) => e.eventId);
      expect(held.length).toBe(200);
      expect(new Set(held)).toEqual(ids);
    } finally {
      await agent.done();
    }
  }, 120_000);
});
