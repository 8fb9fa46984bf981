import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultMode, type FaultProxy, startFaultProxy } from "../testing/fault-proxy.ts";
import { sampleSale, syncStatusOf, tempDir, testAgent } from "../testing/fixtures.ts";
import { type RegionProcess, regionEvents, STORE_TOKEN, startRegion } from "../testing/region-process.ts";
import { FAST_SYNC } from "../testing/sync-settings.ts";

const EVENTS = 1500;

/**
 * Region A sits behind a proxy that misbehaves; B is a plain region. Whatever A does, every event is
 * acked, the union of what the regions hold is every event, and neither holds one twice.
 */
describe("a misbehaving region never loses, duplicates or stalls the queue", () => {
  const dirs = tempDir("tl-faults-");
  let a: RegionProcess;
  let b: RegionProcess;
  let proxy: FaultProxy;
  beforeAll(async () => {
    [a, b] = await Promise.all([
      startRegion({ name: "A", dataDir: `${dirs.dir}/A`, storeId: "store-1" }),
      startRegion({ name: "B", dataDir: `${dirs.dir}/B`, storeId: "store-1" }),
    ]);
    proxy = await startFaultProxy(a.url);
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await a?.kill();
    await b?.kill();
    dirs.cleanup();
  });

  const cases: Array<{ mode: FaultMode; health: boolean; registerId: string }> = [
    { mode: "hang", health: true, registerId: "reg-hang" },
    { mode: "error500", health: false, registerId: "reg-500" },
    { mode: "drop-after-commit", health: false, registerId: "reg-drop" },
  ];

  for (const c of cases) {
    it(`region A: ${c.mode}`, async () => {
      proxy.set(c.mode, { health: c.health });
      const agent = testAgent({
        registerId: c.registerId,
        regions: [
          { name: "A", url: proxy.url },
          { name: "B", url: b.url },
        ],
        storeToken: STORE_TOKEN,
        sync: { ...FAST_SYNC, requestTimeoutMs: 1000, batchMaxEvents: 100, failbackAfterMs: 60_000 },
      });
      try {
        const ids = new Set<string>();
        for (let i = 0; i < EVENTS; i++) ids.add(agent.service.recordSale(sampleSale()).body.eventId);
        await expect.poll(() => agent.queue.read().counts.pending, { timeout: 90_000, interval: 200 }).toBe(0);
        expect(agent.queue.read().counts).toMatchObject({ acked: EVENTS, dead: 0 });

        const inA = (await regionEvents(a.url)).filter((e) => e.registerId === c.registerId).map((e) => e.eventId);
        const inB = (await regionEvents(b.url)).filter((e) => e.registerId === c.registerId).map((e) => e.eventId);
        expect(new Set(inA).size).toBe(inA.length);
        expect(new Set(inB).size).toBe(inB.length);
        const union = new Set([...inA, ...inB]);
        expect(union.size).toBe(EVENTS);
        for (const id of union) expect(ids.has(id)).toBe(true);
        if (c.mode === "drop-after-commit") {
          // A committed batches whose acks never arrived; B took them again; both hold them, once each.
          expect(proxy.dropped).toBeGreaterThan(0);
          expect(inA.length).toBeGreaterThan(0);
        } else {
          expect(inA.length).toBe(0);
        }
        const status = await syncStatusOf(agent);
        expect(status.activeRegion).toBe("B");
        expect(status.regions[0]?.lastError).toBeTruthy();
      } finally {
        await agent.done();
      }
    }, 120_000);
  }
});
