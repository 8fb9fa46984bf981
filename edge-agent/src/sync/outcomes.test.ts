import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgent } from "../agent.ts";
import { sampleSale, syncStatusOf, tempDir, testAgent, testConfig } from "../testing/fixtures.ts";
import { type RegionProcess, regionEvents, regionRegister, STORE_TOKEN, startRegion } from "../testing/region-process.ts";
import { FAST_SYNC } from "../testing/sync-settings.ts";

describe("sync outcomes against a real region", () => {
  const dirs = tempDir("tl-outcomes-");
  let region: RegionProcess;
  beforeAll(async () => {
    region = await startRegion({ name: "A", dataDir: `${dirs.dir}/A`, storeId: "store-1" });
  }, 60_000);
  afterAll(async () => {
    await region?.kill();
    dirs.cleanup();
  });

  it("a poison event goes to dead letters with its reason and the 1,000 after it sync", async () => {
    const agent = testAgent({
      registerId: "reg-poison",
      regions: [{ name: "A", url: region.url }],
      storeToken: STORE_TOKEN,
      sync: FAST_SYNC,
    });
    try {
      await agent.sync?.pause();
      agent.service.recordSale(sampleSale());
      // Corrupt the recorded event so the region's validation refuses it (a negative tax).
      const row = agent.db.prepare("SELECT body FROM outbox WHERE seq = 1").get() as { body: string };
      const event = JSON.parse(row.body);
      event.payload.lines[0].tax.amount = -5;
      agent.db.prepare("UPDATE outbox SET body = ? WHERE seq = 1").run(JSON.stringify(event));
      for (let i = 0; i < 1000; i++) agent.service.recordSale(sampleSale());
      await agent.sync?.resume();

      await expect
        .poll(() => agent.queue.read().counts, { timeout: 60_000, interval: 200 })
        .toMatchObject({ pending: 0, acked: 1000, dead: 1 });
      const q = agent.queue.read();
      expect(q.deadLetters).toEqual([
        expect.objectContaining({ seq: 1, eventId: event.eventId, reason: expect.stringMatching(/invalid|rejected/) }),
      ]);
      const held = (await regionEvents(region.url)).filter((e) => e.registerId === "reg-poison");
      expect(held.length).toBe(1000);
      expect(held.some((e) => e.seq === 1)).toBe(false);
      // The region sees the hole the dead letter leaves; the queue reports it.
      expect(await regionRegister(region.url, "store-1", "reg-poison")).toMatchObject({
        contiguousSeq: 0,
        gaps: [{ from: 1, to: 1 }],
      });
      expect(q.cloudGaps).toEqual([expect.objectContaining({ region: "A", from: 1, to: 1 })]);
      const status = await syncStatusOf(agent);
      expect(status.alerts).toEqual([expect.objectContaining({ seq: 1, kind: "dead_letter" })]);
    } finally {
      await agent.done();
    }
  }, 90_000);

  it("a conflict (same seq, another event already in the region) is a dead letter with an alert", async () => {
    const first = testAgent({
      registerId: "reg-clone",
      regions: [{ name: "A", url: region.url }],
      storeToken: STORE_TOKEN,
      sync: FAST_SYNC,
    });
    try {
      first.service.recordSale(sampleSale());
      await expect.poll(() => first.queue.read().counts.acked, { timeout: 30_000 }).toBe(1);
    } finally {
      await first.done();
    }
    // A restored or cloned register: same identity, a fresh outbox, seq 1 again with another event.
    const dir = tempDir("tl-clone-");
    const config = testConfig(dir.dir, {
      registerId: "reg-clone",
      regions: [{ name: "A", url: region.url }],
      storeToken: STORE_TOKEN,
      sync: FAST_SYNC,
    });
    const conflictAlert = expect.objectContaining({ seq: 1, kind: "conflict", reason: expect.stringMatching(/conflict/) });
    try {
      const clone = createAgent(config, { logger: pino({ level: "silent" }) });
      try {
        clone.service.recordSale(sampleSale());
        clone.service.recordSale(sampleSale());
        await expect.poll(() => clone.queue.read().counts, { timeout: 30_000 }).toMatchObject({ pending: 0, dead: 1, acked: 1 });
        expect((await syncStatusOf(clone)).alerts).toEqual([conflictAlert]);
      } finally {
        await clone.close();
      }
      // Restarted, the agent still shows the store manager what went wrong.
      const restarted = createAgent(config, { logger: pino({ level: "silent" }) });
      try {
        expect((await syncStatusOf(restarted)).alerts).toEqual([conflictAlert]);
      } finally {
        await restarted.close();
      }
    } finally {
      dir.cleanup();
    }
  }, 90_000);

  it("a region that refuses the credential is passed over: the batch goes to the next region that takes it", async () => {
    const dir = tempDir("tl-cred-next-");
    // This region knows the token only for another store: it answers 403 to this register.
    const stranger = await startRegion({ name: "X", dataDir: `${dir.dir}/X`, storeId: "another-store" });
    const agent = createAgent(
      testConfig(`${dir.dir}/agent`, {
        registerId: "reg-next",
        dataDir: `${dir.dir}/agent`,
        regions: [
          { name: "X", url: stranger.url },
          { name: "A", url: region.url },
        ],
        storeToken: STORE_TOKEN,
        sync: FAST_SYNC,
      }),
      { logger: pino({ level: "silent" }) },
    );
    try {
      for (let i = 0; i < 10; i++) agent.service.recordSale(sampleSale());
      await expect.poll(() => agent.queue.read().counts.acked, { timeout: 30_000, interval: 100 }).toBe(10);
      const status = await syncStatusOf(agent);
      expect(status.credentialsRejected).toBe(false);
      expect(status.credentialsRefusedBy).toEqual([]);
      expect((await regionRegister(region.url, "store-1", "reg-next")).contiguousSeq).toBe(10);
    } finally {
      await agent.close();
      await stranger.kill();
      dir.cleanup();
    }
  }, 60_000);

  it("401: sync pauses as 'credentials rejected', nothing is dropped, and it drains once the token is right", async () => {
    const dir = tempDir("tl-cred-");
    const settings = { registerId: "reg-cred", dataDir: dir.dir, regions: [{ name: "A", url: region.url }], sync: FAST_SYNC };
    const bad = createAgent(testConfig(dir.dir, { ...settings, storeToken: "tl_store_wrong_token_000000000000" }), {
      logger: pino({ level: "silent" }),
    });
    try {
      for (let i = 0; i < 20; i++) bad.service.recordSale(sampleSale());
      await expect
        .poll(async () => (await syncStatusOf(bad)).state, { timeout: 30_000, interval: 100 })
        .toBe("credentials rejected");
      const status = await syncStatusOf(bad);
      expect(status.credentialsRejected).toBe(true);
      expect(status.credentialsRefusedBy).toEqual(["A"]);
      expect(status.regions[0]?.lastError).toMatch(/401/);
      // The register keeps recording meanwhile.
      expect(bad.service.recordSale(sampleSale()).status).toBe(201);
      expect(bad.queue.read().counts).toMatchObject({ pending: 21, dead: 0, acked: 0 });
    } finally {
      await bad.close();
    }
    const good = createAgent(testConfig(dir.dir, { ...settings, storeToken: STORE_TOKEN }), {
      logger: pino({ level: "silent" }),
    });
    try {
      await expect.poll(() => good.queue.read().counts.acked, { timeout: 30_000 }).toBe(21);
    } finally {
      await good.close();
      dir.cleanup();
    }
  }, 90_000);
});
