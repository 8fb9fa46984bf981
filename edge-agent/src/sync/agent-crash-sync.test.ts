import { SaleRecordedSchema } from "@tenderline/shared";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { dbPath } from "../storage/database.ts";
import { startAgentProcess, writeConfig } from "../testing/agent-process.ts";
import { control, MANAGERS, managerCookie, over, sampleSale, tempDir } from "../testing/fixtures.ts";
import { type RegionProcess, regionEvents, regionRegister, STORE_TOKEN, startRegion } from "../testing/region-process.ts";
import { FAST_SYNC } from "../testing/sync-settings.ts";

const SALES = 3000;

function counts(dataDir: string) {
  const db = new Database(dbPath(dataDir), { readonly: true });
  try {
    return db
      .prepare("SELECT SUM(state = 'pending') AS pending, SUM(state = 'acked') AS acked, COUNT(*) AS total FROM outbox")
      .get() as {
      pending: number;
      acked: number;
      total: number;
    };
  } finally {
    db.close();
  }
}

describe("the agent killed with SIGKILL mid-batch", () => {
  const dirs = tempDir("tl-agent-crash-sync-");
  let region: RegionProcess | undefined;
  afterAll(async () => {
    await region?.kill();
    dirs.cleanup();
  });

  it("resends what was in flight after the restart; the region ends with every event once", async () => {
    region = await startRegion({ name: "A", dataDir: `${dirs.dir}/A`, storeId: "s1" });
    const configFile = writeConfig(dirs.dir, {
      storeId: "s1",
      registerId: "r1",
      dataDir: "data",
      port: 0,
      logLevel: "warn",
      regions: [{ name: "A", url: region.url }],
      storeToken: STORE_TOKEN,
      managers: [{ id: MANAGERS.dana.id, name: MANAGERS.dana.name, pinHash: MANAGERS.dana.pinHash }],
      sync: { ...FAST_SYNC, batchMaxEvents: 50 },
    });
    let agent = await startAgentProcess(configFile);
    // Hold the queue while the sales go in, so the kill lands in the middle of the drain.
    const cookie = await managerCookie(over(agent.url));
    expect((await control(over(agent.url), "/api/v1/sync/pause", cookie)).status).toBe(200);
    const ids: string[] = [];
    for (let i = 0; i < SALES; i += 50) {
      const posted = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const res = await fetch(`${agent.url}/api/v1/sales`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(sampleSale()),
          });
          expect(res.status).toBe(201);
          return SaleRecordedSchema.parse(await res.json()).eventId;
        }),
      );
      ids.push(...posted);
    }
    expect((await control(over(agent.url), "/api/v1/sync/now", cookie)).status).toBe(200);
    // Kill it while batches are going out: some acked, some not.
    await expect
      .poll(async () => (await regionRegister((region as RegionProcess).url, "s1", "r1")).contiguousSeq, {
        timeout: 60_000,
        interval: 10,
      })
      .toBeGreaterThan(0);
    await agent.kill("SIGKILL");
    const before = counts(`${dirs.dir}/data`);
    expect(before.total).toBe(SALES);
    expect(before.pending).toBeGreaterThan(0);

    agent = await startAgentProcess(configFile);
    try {
      await expect.poll(() => counts(`${dirs.dir}/data`).pending, { timeout: 90_000, interval: 200 }).toBe(0);
      expect(counts(`${dirs.dir}/data`)).toMatchObject({ acked: SALES, total: SALES });
      const held = (await regionEvents(region.url)).filter((e) => e.registerId === "r1").map((e) => e.eventId);
      expect(held.length).toBe(SALES);
      expect(new Set(held)).toEqual(new Set(ids));
      expect(await regionRegister(region.url, "s1", "r1")).toMatchObject({ contiguousSeq: SALES, gaps: [] });
    } finally {
      await agent.kill("SIGTERM");
    }
  }, 180_000);
});
