import { ErrorBodySchema, QueueStatusSchema } from "@tenderline/shared";
import { afterAll, describe, expect, it } from "vitest";
import { control, managerCookie, sampleSale, syncStatusOf, tempDir, testAgent } from "../testing/fixtures.ts";
import { type RegionProcess, regionRegister, STORE_TOKEN, startRegion } from "../testing/region-process.ts";

describe("sync to a real region", () => {
  const dirs = tempDir("tl-sync-smoke-");
  let region: RegionProcess | undefined;
  afterAll(async () => {
    await region?.kill();
    dirs.cleanup();
  });

  it("without regions there is no engine and its controls say so", async () => {
    const agent = testAgent();
    try {
      expect((await control(agent.app, "/api/v1/sync/pause")).status).toBe(401);
      const res = await control(agent.app, "/api/v1/sync/pause", await managerCookie(agent.app));
      expect(res.status).toBe(409);
      expect(ErrorBodySchema.parse(await res.json()).error).toBe("sync_off");
    } finally {
      await agent.done();
    }
  });

  it("once the worker is gone, status says so instead of hanging, and the outbox keeps recording", async () => {
    const agent = testAgent({ regions: [{ name: "A", url: "http://127.0.0.1:9" }], storeToken: STORE_TOKEN });
    try {
      await agent.sync?.close();
      expect(await agent.sync?.status()).toEqual({ state: "engine stopped", error: "the sync worker stopped" });
      expect(agent.service.recordSale(sampleSale()).body.seq).toBe(1);
      expect(agent.queue.read().counts.pending).toBe(1);
    } finally {
      await agent.done();
    }
  });

  it("drains the outbox into the region and acks every event", async () => {
    region = await startRegion({ name: "A", dataDir: `${dirs.dir}/A`, storeId: "store-1" });
    const agent = testAgent({
      regions: [{ name: "A", url: region.url }],
      storeToken: STORE_TOKEN,
      sync: { probeIntervalMs: 200, requestTimeoutMs: 2000 },
    });
    try {
      for (let i = 0; i < 300; i++) agent.service.recordSale(sampleSale());
      await expect.poll(() => agent.queue.read().counts.acked, { timeout: 30_000, interval: 100 }).toBe(300);
      expect(await regionRegister(region.url, "store-1", "reg-1")).toMatchObject({ contiguousSeq: 300, gaps: [] });
      const status = await syncStatusOf(agent);
      expect(status.activeRegion).toBe("A");
      expect(status.regions[0]?.state).toBe("healthy");

      // The manager's controls, through the API: pause holds new events back, resume sends them.
      // Pausing is a manager's call: refused without one.
      expect((await control(agent.app, "/api/v1/sync/pause")).status).toBe(401);
      const cookie = await managerCookie(agent.app);
      expect((await control(agent.app, "/api/v1/sync/pause", cookie)).status).toBe(200);
      for (let i = 0; i < 5; i++) agent.service.recordSale(sampleSale());
      const paused = QueueStatusSchema.parse(await (await agent.app.request("/api/v1/queue")).json());
      expect(paused.sync?.state).toBe("paused");
      expect(paused.counts.pending).toBe(5);
      expect((await control(agent.app, "/api/v1/sync/now", cookie)).status).toBe(200);
      await expect.poll(() => agent.queue.read().counts.acked, { timeout: 30_000, interval: 100 }).toBe(305);
    } finally {
      await agent.done();
    }
  });
});
