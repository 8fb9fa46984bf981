import { afterEach, describe, expect, it } from "vitest";
import { type FakeRegion, startFakeRegion } from "../testing/fake-region.ts";
import { syncStatusOf, testAgent } from "../testing/fixtures.ts";
import { outboxEventIds, recordSales, waitForAcked } from "../testing/outbox-expectations.ts";
import { FAST_SYNC } from "../testing/sync-settings.ts";

/** The credential the regions take, and the one the register starts with (refused everywhere). */
const GOOD = "tl_store_rotated_token_0123456789abcdef";
const OLD = "tl_store_revoked_token_0123456789abcdef";

type TestAgent = ReturnType<typeof testAgent>;

/** eventId → deliveries, summed over the regions. */
function deliveriesAt(regions: readonly FakeRegion[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of regions) for (const [id, n] of r.deliveries) out.set(id, (out.get(id) ?? 0) + n);
  return out;
}

/** Every event the register recorded reached the regions, each exactly once. */
function expectEachDeliveredOnce(agent: TestAgent, regions: readonly FakeRegion[]): void {
  const recorded = outboxEventIds(agent);
  const delivered = deliveriesAt(regions);
  expect([...delivered.keys()].sort()).toEqual([...recorded].sort());
  expect([...delivered.values()].every((n) => n === 1)).toBe(true);
}

async function waitForState(agent: TestAgent, state: string): Promise<void> {
  await expect.poll(async () => (await syncStatusOf(agent)).state, { timeout: 30_000, interval: 50 }).toBe(state);
}

describe("a new credential while the agent runs (SyncHandle.setCredential)", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function regions(...names: string[]): Promise<FakeRegion[]> {
    const out: FakeRegion[] = [];
    for (const name of names) {
      const r = await startFakeRegion({ name, acceptToken: GOOD });
      cleanups.push(() => r.close());
      out.push(r);
    }
    return out;
  }

  function agentFor(rs: readonly FakeRegion[], storeToken: string): TestAgent {
    const agent = testAgent({ regions: rs.map((r) => ({ name: r.name, url: r.url })), storeToken, sync: FAST_SYNC });
    cleanups.push(() => agent.done());
    return agent;
  }

  it("refused by every region, sync pauses; the new credential resumes it and every event, before and after, arrives once", async () => {
    const rs = await regions("A", "B");
    const agent = agentFor(rs, OLD);
    recordSales(agent, 20);
    await waitForState(agent, "credentials rejected");
    expect(await syncStatusOf(agent)).toMatchObject({
      credentialsRejected: true,
      credentialsRefusedBy: ["A", "B"],
      paused: true,
    });
    // Meanwhile the register keeps recording.
    recordSales(agent, 10);
    // The same credential again is no news: still paused.
    await agent.setCredential(OLD);
    expect((await syncStatusOf(agent)).state).toBe("credentials rejected");

    // What the config reload calls: the agent hands it to its sync engine (SyncHandle.setCredential).
    await agent.setCredential(GOOD);
    recordSales(agent, 15);
    await waitForAcked(agent, 45, 30_000);

    expectEachDeliveredOnce(agent, rs);
    const status = await syncStatusOf(agent);
    expect(status).toMatchObject({ credentialsRejected: false, credentialsRefusedBy: [], paused: false });
    expect(["idle", "syncing"]).toContain(status.state);
    // Both regions refused the old credential; everything taken came with the new one.
    for (const r of rs) expect(r.refusedBatches()).toBeGreaterThan(0);
    expect(rs.flatMap((r) => r.batchTokens).filter((t) => t !== OLD && t !== GOOD)).toEqual([]);
    expect(rs.reduce((n, r) => n + r.batchTokens.filter((t) => t === GOOD).length, 0)).toBeGreaterThan(0);
  });

  it("a manager's pause outlasts the new credential: nothing is sent until the manager resumes, then each event once", async () => {
    const rs = await regions("A");
    const agent = agentFor(rs, OLD);
    recordSales(agent, 5);
    await waitForState(agent, "credentials rejected");
    await agent.sync?.pause();

    await agent.sync?.setCredential(GOOD);
    expect(await syncStatusOf(agent)).toMatchObject({
      state: "paused",
      paused: true,
      credentialsRejected: false,
      credentialsRefusedBy: [],
    });
    expect(rs[0]?.deliveries.size).toBe(0);

    await agent.sync?.resume();
    await waitForAcked(agent, 5, 30_000);
    expectEachDeliveredOnce(agent, rs);
  });

  it("a batch in flight finishes with the old credential; its refusal, coming after the switch, does not pause sync", async () => {
    const rs = await regions("A");
    const region = rs[0] as FakeRegion;
    region.hold();
    const agent = agentFor(rs, OLD);
    recordSales(agent, 5);
    await expect.poll(() => region.held(), { timeout: 30_000, interval: 20 }).toBe(1);

    await agent.sync?.setCredential(GOOD);
    region.release();
    recordSales(agent, 3);
    await waitForAcked(agent, 8, 30_000);

    expect(region.batchTokens[0]).toBe(OLD);
    expect(region.refusedBatches()).toBe(1);
    expect(region.batchTokens.slice(1).every((t) => t === GOOD)).toBe(true);
    expect((await syncStatusOf(agent)).credentialsRejected).toBe(false);
    expectEachDeliveredOnce(agent, rs);
  });
});
