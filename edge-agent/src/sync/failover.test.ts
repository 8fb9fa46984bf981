import { afterAll, describe, expect, it } from "vitest";
import { sampleSale, syncStatusOf, tempDir, testAgent } from "../testing/fixtures.ts";
import { type RegionProcess, regionEvents, regionRegister, STORE_TOKEN, startRegion } from "../testing/region-process.ts";
import { FAST_SYNC } from "../testing/sync-settings.ts";

const EVENTS = 20_000;

function ackedBy(agent: ReturnType<typeof testAgent>, region: string): { n: number; first: number | null } {
  return agent.db
    .prepare("SELECT COUNT(*) AS n, MIN(acked_at) AS first FROM outbox WHERE state = 'acked' AND acked_region = ?")
    .get(region) as {
    n: number;
    first: number | null;
  };
}

function expectExactlyOnce(events: Array<{ eventId: string; registerId: string }>, expected: ReadonlySet<string>): void {
  const mine = events.filter((e) => e.registerId === "reg-1").map((e) => e.eventId);
  expect(mine.length).toBe(expected.size);
  expect(new Set(mine).size).toBe(mine.length);
  for (const id of mine) expect(expected.has(id)).toBe(true);
}

/** Records a started region in `regions` (killed by afterAll) and passes it on. */
const kept = (regions: RegionProcess[]) => (region: RegionProcess) => {
  regions.push(region);
  return region;
};

/** An agent syncing to A first, then B, with fast probes. */
const agentOn = (a: RegionProcess, b: RegionProcess, overrides: { registerId?: string } = {}) =>
  testAgent({
    ...overrides,
    regions: [
      { name: "A", url: a.url },
      { name: "B", url: b.url },
    ],
    storeToken: STORE_TOKEN,
    sync: FAST_SYNC,
  });

describe("failover: region A killed with SIGKILL mid-drain", () => {
  const dirs = tempDir("tl-failover-");
  const regions: RegionProcess[] = [];
  afterAll(async () => {
    for (const r of regions) await r.kill();
    dirs.cleanup();
  });

  it(`moves to B within 3 s, B ends with all ${EVENTS} once, and A gets them all once after it returns`, async () => {
    // A and B are independent: started side by side (each killed at the end even if the other fails to start).
    let [a, b] = await Promise.all([
      startRegion({ name: "A", dataDir: `${dirs.dir}/A`, storeId: "store-1" }).then(kept(regions)),
      startRegion({ name: "B", dataDir: `${dirs.dir}/B`, storeId: "store-1" }).then(kept(regions)),
    ]);
    const agent = agentOn(a, b);
    try {
      const ids = new Set<string>();
      for (let i = 0; i < EVENTS; i++) {
        ids.add(agent.service.recordSale(sampleSale()).body.eventId);
        // Leave the sync worker's connection a moment between bursts, as a till's pace would.
        if (i % 500 === 499) await new Promise((r) => setImmediate(r));
      }

      // Mid-drain: A has acked a part of the backlog, and a good part is still pending.
      await expect.poll(() => ackedBy(agent, "A").n, { timeout: 60_000, interval: 20 }).toBeGreaterThan(2000);
      expect(agent.queue.read().counts.pending).toBeGreaterThan(5000);
      const killedAt = Date.now();
      await a.kill("SIGKILL");

      await expect.poll(() => ackedBy(agent, "B").n, { timeout: 10_000, interval: 20 }).toBeGreaterThan(0);
      const firstOnB = ackedBy(agent, "B").first as number;
      // The bar for failover with these probe settings.
      expect(firstOnB - killedAt).toBeLessThan(3000);

      await expect.poll(() => agent.queue.read().counts.pending, { timeout: 120_000, interval: 200 }).toBe(0);
      // B ends up with everything: what it took directly and, resent, what only A had acked.
      await expect
        .poll(async () => (await regionRegister(b.url, "store-1", "reg-1")).contiguousSeq, { timeout: 60_000, interval: 200 })
        .toBe(EVENTS);
      expectExactlyOnce(await regionEvents(b.url), ids);

      // A comes back on its address; after the failback time the engine returns to it and resends what it lacks.
      a = await startRegion({ name: "A", dataDir: `${dirs.dir}/A`, storeId: "store-1", port: a.port });
      regions.push(a);
      await expect
        .poll(async () => (await regionRegister(a.url, "store-1", "reg-1")).contiguousSeq, { timeout: 90_000, interval: 250 })
        .toBe(EVENTS);
      expectExactlyOnce(await regionEvents(a.url), ids);
      const status = await syncStatusOf(agent);
      expect(status.activeRegion).toBe("A");
      expect(agent.queue.read().counts).toMatchObject({ pending: 0, dead: 0, acked: EVENTS });
    } finally {
      await agent.done();
    }
  }, 300_000);
});

describe("failover with nothing pending: what A acked but never replicated is resent to B", () => {
  const dirs = tempDir("tl-unreplicated-");
  const regions: RegionProcess[] = [];
  afterAll(async () => {
    for (const r of regions) await r.kill();
    dirs.cleanup();
  });

  it("the engine alone (no new sale) carries A's unreplicated rows to B when A dies", async () => {
    // A's only peer is unreachable, so A never reports anything replicated (replicatedSeq stays 0).
    const deadPeer = JSON.stringify([{ name: "B", url: "http://127.0.0.1:9", token: "tl_region_unreachable_peer_0000" }]);
    const [a, b] = await Promise.all([
      startRegion({ name: "A", dataDir: `${dirs.dir}/A`, storeId: "store-1", peers: deadPeer }).then(kept(regions)),
      startRegion({ name: "B", dataDir: `${dirs.dir}/B`, storeId: "store-1" }).then(kept(regions)),
    ]);
    const agent = agentOn(a, b, { registerId: "reg-unrep" });
    try {
      const ids = new Set<string>();
      for (let i = 0; i < 200; i++) ids.add(agent.service.recordSale(sampleSale()).body.eventId);
      await expect.poll(() => ackedBy(agent, "A").n, { timeout: 30_000, interval: 50 }).toBe(200);
      expect(agent.queue.read().counts).toMatchObject({ pending: 0, unreplicated: 200 });

      await a.kill("SIGKILL");
      await expect.poll(() => ackedBy(agent, "B").n, { timeout: 30_000, interval: 50 }).toBe(200);
      const held = (await regionEvents(b.url)).filter((e) => e.registerId === "reg-unrep");
      expect(held.length).toBe(200);
      expect(new Set(held.map((e) => e.eventId))).toEqual(ids);
      // B has no peers: it reports them replicated, so they become prunable.
      await expect.poll(() => agent.queue.read().counts.unreplicated, { timeout: 10_000 }).toBe(0);
    } finally {
      await agent.done();
    }
  }, 120_000);
});
