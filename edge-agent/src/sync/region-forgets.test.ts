import { cpSync, rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { prunedAsks } from "../outbox/outbox.ts";
import { sampleSale, syncStatusOf, tempDir, testAgent } from "../testing/fixtures.ts";
import { type RegionProcess, regionEvents, regionRegister, STORE_TOKEN, startRegion } from "../testing/region-process.ts";
import { FAST_SYNC } from "../testing/sync-settings.ts";

const REGISTER = "reg-forgets";

describe("a region that forgets heals", () => {
  const dirs = tempDir("tl-forgets-");
  const regions: RegionProcess[] = [];
  afterAll(async () => {
    for (const r of regions) await r.kill();
    dirs.cleanup();
  });

  it("restored from a backup, the region gets back every event the register still holds; what was pruned is raised once", async () => {
    const dataDir = `${dirs.dir}/A`;
    const backup = `${dirs.dir}/A-backup`;
    // No peers: the region reports what it holds contiguously as replicated.
    let a = await startRegion({ name: "A", dataDir, storeId: "store-1" });
    regions.push(a);
    const agent = testAgent({
      registerId: REGISTER,
      regions: [{ name: "A", url: a.url }],
      storeToken: STORE_TOKEN,
      sync: FAST_SYNC,
    });
    const mine = async () =>
      (await regionEvents(a.url))
        .filter((e) => e.registerId === REGISTER)
        .map((e) => e.seq)
        .sort((x, y) => x - y);
    const replicatedSeqs = () =>
      agent.db.prepare("SELECT seq FROM outbox WHERE replicated_at IS NOT NULL ORDER BY seq").pluck().all() as number[];
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    try {
      for (let i = 0; i < 49; i++) agent.service.recordSale(sampleSale());
      await expect
        .poll(() => agent.queue.read().counts, { timeout: 30_000, interval: 100 })
        .toMatchObject({ acked: 49, unreplicated: 0 });

      // The backup is taken here: it holds 1..49.
      await a.kill("SIGTERM");
      cpSync(dataDir, backup, { recursive: true });
      a = await startRegion({ name: "A", dataDir, storeId: "store-1", port: a.port });
      regions.push(a);
      for (let i = 0; i < 51; i++) agent.service.recordSale(sampleSale());
      await expect
        .poll(() => agent.queue.read().counts, { timeout: 30_000, interval: 100 })
        .toMatchObject({ pending: 0, acked: 100, unreplicated: 0 });
      expect((await regionRegister(a.url, "store-1", REGISTER)).contiguousSeq).toBe(100);

      // Retention took the oldest events, 1..60, once every region had them.
      agent.db.prepare("UPDATE outbox SET replicated_at = 1 WHERE seq <= 60").run();
      expect(agent.prune().outbox).toBe(60);

      // The region's database is restored from the backup: it now holds 1..49 only.
      await a.kill("SIGTERM");
      rmSync(dataDir, { recursive: true, force: true });
      cpSync(backup, dataDir, { recursive: true });
      a = await startRegion({ name: "A", dataDir, storeId: "store-1", port: a.port });
      regions.push(a);

      // With nothing pending, the engine alone resends what it still holds (61..100); 50..60 it cannot.
      await expect.poll(mine, { timeout: 30_000, interval: 200 }).toEqual([...range(1, 49), ...range(61, 100)]);
      expect(await regionRegister(a.url, "store-1", REGISTER)).toMatchObject({
        contiguousSeq: 49,
        maxSeq: 100,
        gaps: [{ from: 50, to: 60 }],
      });
      // The region now says only 1..49 are everywhere: 61..100 lost replicated_at and retention keeps them.
      await expect.poll(replicatedSeqs, { timeout: 10_000, interval: 100 }).toEqual([]);
      expect(agent.queue.read().counts).toMatchObject({ pending: 0, acked: 40, unreplicated: 40 });
      expect(agent.prune(Date.now() + 365 * 24 * 3_600_000).outbox).toBe(0);

      // 50..60 are gone from the register: raised once, for the manager, while the engine keeps asking.
      await expect
        .poll(() => prunedAsks(agent.db), { timeout: 10_000, interval: 100 })
        .toEqual([expect.objectContaining({ region: "A", from: 50, to: 60 })]);
      await new Promise((r) => setTimeout(r, FAST_SYNC.idlePollMs * 4));
      expect(prunedAsks(agent.db).length).toBe(1);
      const status = await syncStatusOf(agent);
      expect(status.regions[0]?.healthy).toBe(true);
      const html = await (await agent.app.request("/manager")).text();
      expect(html).toContain('id="pruned-asks"');
      expect(html).toContain(
        "Region A asked for sales 50–60 that this register no longer keeps (pruned after replication); they must come back from another region.",
      );
    } finally {
      await agent.done();
    }
  }, 180_000);
});
