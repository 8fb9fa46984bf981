import { afterEach, describe, expect, it } from "vitest";
import { type FakeRegion, startFakeRegion } from "../testing/fake-region.ts";
import { syncStatusOf, testAgent } from "../testing/fixtures.ts";
import { outboxEventIds, recordSales, waitForAcked } from "../testing/outbox-expectations.ts";
import { FAST_SYNC } from "../testing/sync-settings.ts";
import { SyncEngineClosedError } from "./sync-in-process.ts";

/**
 * Fast probes and retries, but a batch timeout no loaded test machine reaches: a timed-out batch is
 * rightly sent again, and that resend would hide the double delivery these tests look for.
 */
const PATIENT_SYNC = { ...FAST_SYNC, requestTimeoutMs: 20_000 };

const GOOD = "tl_store_in_process_token_0123456789abcdef";
const OLD = "tl_store_in_process_revoked_0123456789abcdef";

type TestAgent = ReturnType<typeof testAgent>;

describe("startSyncInProcess: the sync engine on the agent's own thread and connection", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(storeToken = GOOD, extra: Parameters<typeof testAgent>[0] = {}) {
    const region = await startFakeRegion({ name: "A", acceptToken: GOOD });
    cleanups.push(() => region.close());
    const agent = testAgent(
      { regions: [{ name: region.name, url: region.url }], storeToken, sync: PATIENT_SYNC, ...extra },
      { syncThread: "in-process" },
    );
    cleanups.push(() => agent.done());
    return { region, agent };
  }

  function expectEachDeliveredOnce(agent: TestAgent, region: FakeRegion): void {
    expect([...region.deliveries.keys()].sort()).toEqual(outboxEventIds(agent).sort());
    expect([...region.deliveries.values()].every((n) => n === 1)).toBe(true);
  }

  it("drains the outbox; the register keeps recording on the same connection while a batch is in flight", async () => {
    const { region, agent } = await setup();
    recordSales(agent, 30);
    await waitForAcked(agent, 30);
    region.hold();
    recordSales(agent, 5);
    await expect.poll(() => region.held(), { timeout: 10_000, interval: 20 }).toBeGreaterThan(0);
    // The engine waits on the region, not on the database: sales go on being recorded.
    recordSales(agent, 20);
    expect(agent.queue.read().counts.pending).toBeGreaterThanOrEqual(20);
    region.release();
    await waitForAcked(agent, 55);
    expectEachDeliveredOnce(agent, region);
    const status = await syncStatusOf(agent);
    expect(status.activeRegion).toBe("A");
    expect(status.batches.sent).toBeGreaterThan(1);
  });

  it("a refused credential pauses sync; the new one resumes it and every event arrives once", async () => {
    const { region, agent } = await setup(OLD);
    recordSales(agent, 10);
    await expect
      .poll(async () => (await syncStatusOf(agent)).state, { timeout: 20_000, interval: 50 })
      .toBe("credentials rejected");
    await agent.setCredential(GOOD);
    recordSales(agent, 5);
    await waitForAcked(agent, 15);
    expectEachDeliveredOnce(agent, region);
    expect(region.refusedBatches()).toBeGreaterThan(0);
  });

  it("the writer checkpoints by itself (SQLite's default), with no checkpoint thread to leave it to", async () => {
    const { agent } = await setup(GOOD, { backgroundCheckpoint: true });
    expect(agent.db.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
  });

  it("once closed, the status says the engine stopped and controls are refused with a reason", async () => {
    const { agent } = await setup();
    const sync = agent.sync;
    if (!sync) throw new Error("the agent started no sync engine");
    await sync.close();
    expect(await sync.status()).toMatchObject({ state: "engine stopped" });
    await expect(sync.pause()).rejects.toBeInstanceOf(SyncEngineClosedError);
    await expect(sync.setCredential(OLD)).rejects.toThrow(/closed; taking a new credential was not done/);
    // The agent's queue answer says so too, rather than failing.
    expect((await agent.queueStatus()).sync).toMatchObject({ state: "engine stopped" });
  });
});
