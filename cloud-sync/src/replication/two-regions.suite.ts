import type { FeedItem } from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimulatorProcess, startSimulatorProcess } from "../processor/simulator-process.ts";
import { type RegionProcess, startRegionProcess } from "../server/region-process.ts";
import { CuttableProxy } from "../testing/cuttable-proxy.ts";
import { returnEvent, saleEvent } from "../testing/events.ts";
import { type RegionAs, regionAs } from "../testing/region-client.ts";
import { type Backend, type TestStore, testStore } from "../testing/test-databases.ts";

const TOKENS = {
  store: { s1: "tl_store_s1_two_regions_000000001" },
  admin: "tl_admin_two_regions_00000000001",
  consumer: "tl_consumer_two_regions_0000001",
  region: { A: "tl_region_A_two_regions_00000001", B: "tl_region_B_two_regions_00000001" },
};
const now = () => new Date().toISOString();
/** The feed carries events as the registers sent them (the contract leaves them unknown). */
const eventIdOf = (item: FeedItem) => (item.event as { eventId?: string } | null)?.eventId;

/**
 * Two regions as real processes, linked through proxies that can be cut: a partition where each
 * side ingests different events (including two refunds of one sale), then the heal.
 */
export function twoRegionsSuite(backend: Backend): void {
  describe(`two regions over ${backend}: partition and heal`, () => {
    let store: TestStore;
    let sim: SimulatorProcess;
    const regions: Record<"A" | "B", RegionProcess | undefined> = { A: undefined, B: undefined };
    const links: Record<"A" | "B", CuttableProxy> = {
      // links.A carries A's pulls from B; links.B carries B's pulls from A.
      A: new CuttableProxy(() => regions.B?.port ?? 1),
      B: new CuttableProxy(() => regions.A?.port ?? 1),
    };
    let A: RegionAs;
    let B: RegionAs;

    const sale = saleEvent({
      registerId: "r1",
      seq: 1,
      transactionId: "S1",
      cardAmount: 3000,
      cashAmount: 1000,
      terminalTxnId: "T-S1",
      occurredAt: now(),
    });
    const refundA = returnEvent({
      registerId: "r1",
      seq: 2,
      originalTransactionId: "S1",
      tenderId: "S1-t1",
      amount: 2000,
      occurredAt: now(),
    });
    const saleA = saleEvent({
      registerId: "r1",
      seq: 3,
      transactionId: "A3",
      cardAmount: 1500,
      terminalTxnId: "T-A3",
      occurredAt: now(),
    });
    const refundB = returnEvent({
      registerId: "r2",
      seq: 1,
      originalTransactionId: "S1",
      tenderId: "S1-t1",
      amount: 2500,
      occurredAt: now(),
    });
    const saleB = saleEvent({
      registerId: "r2",
      seq: 2,
      transactionId: "B2",
      cardAmount: 4200,
      terminalTxnId: "T-B2",
      occurredAt: now(),
    });
    const allEvents = [sale, refundA, saleA, refundB, saleB];

    beforeAll(async () => {
      store = await testStore(backend, "two_regions");
      sim = await startSimulatorProcess();
      const seed = await fetch(`${sim.url}/v1/settlements`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          records: [
            { terminalTxnId: "T-S1", amount: { amount: 3000, currency: "USD" }, authCode: "AUTHS1", processorRef: "REF-S1" },
            { terminalTxnId: "T-A3", amount: { amount: 1400, currency: "USD" }, authCode: "AUTHA3", processorRef: "REF-A3" },
            {
              terminalTxnId: "T-B2",
              amount: { amount: 4200, currency: "USD" },
              status: "declined",
              declineReason: "do_not_honor",
            },
          ],
        }),
      });
      expect(seed.ok).toBe(true);
      await links.A.start();
      await links.B.start();
      for (const name of ["A", "B"] as const) {
        const other = name === "A" ? "B" : "A";
        regions[name] = await startRegionProcess({
          region: name,
          ...(await store.processStorage(name.toLowerCase())),
          bootstrapTokens: [
            { token: TOKENS.store.s1, kind: "store", storeId: "s1" },
            { token: TOKENS.admin, kind: "admin" },
            { token: TOKENS.consumer, kind: "consumer" },
            { token: TOKENS.region[other], kind: "region", regionName: other },
          ],
          peers: [{ name: other, url: links[name].url, token: TOKENS.region[name] }],
          processorUrl: sim.url,
          extraArgs: ["--background-jobs", "false", "--log-level", "warn", "--processor-timeout-ms", "3000"],
        });
      }
      A = regionAs((regions.A as RegionProcess).url, TOKENS);
      B = regionAs((regions.B as RegionProcess).url, TOKENS);
    });
    afterAll(async () => {
      await Promise.all([regions.A?.stop(), regions.B?.stop(), sim?.stop(), links.A.stop(), links.B.stop()]);
      await store?.cleanup();
    });

    it("replicates a sale from A to B while linked", async () => {
      const res = await A.store("s1").sendBatch({ storeId: "s1", registerId: "r1", events: [sale] });
      expect(res.results[0]?.status).toBe("accepted");
      expect(res.watermark).toMatchObject({ contiguousSeq: 1, replicatedSeq: 0 });
      expect((await B.admin.replicate()).peers[0]).toMatchObject({ peer: "A", accepted: 1 });
      expect(await B.admin.digestText()).toBe(await A.admin.digestText());
    });

    it("keeps taking writes on both sides of a partition, and shows the broken link", async () => {
      links.A.cut();
      links.B.cut();
      expect(
        (await A.store("s1").sendBatch({ storeId: "s1", registerId: "r1", events: [refundA, saleA] })).results.map(
          (r) => r.status,
        ),
      ).toEqual(["accepted", "accepted"]);
      expect(
        (await B.store("s1").sendBatch({ storeId: "s1", registerId: "r2", events: [refundB, saleB] })).results.map(
          (r) => r.status,
        ),
      ).toEqual(["accepted", "accepted"]);
      const pulled = (await A.admin.replicate()).peers[0];
      expect(pulled?.error).toMatch(/unreachable/);
      await B.admin.replicate();
      const health = await A.admin.operatorHealth();
      expect(health.peers?.[0]).toMatchObject({ name: "B" });
      expect(health.peers?.[0]?.lastError).toMatch(/unreachable/);
      expect(health.peers?.[0]?.lagMs).toBeGreaterThan(0);
      // Cut off from its peer, a region still takes writes: its status stays ok.
      expect(health.status).toBe("ok");
      expect(await A.admin.digestText()).not.toBe(await B.admin.digestText());
      // Each side alone sees one refund that fits in what was paid.
      await A.admin.runJobs();
      await B.admin.runJobs();
      expect((await A.admin.exceptions({ kind: "over_refund" })).items).toEqual([]);
      expect((await B.admin.exceptions({ kind: "over_refund" })).items).toEqual([]);
    });

    it("converges after the heal: equal digests, each event once in each region and on each feed", async () => {
      links.A.heal();
      links.B.heal();
      // Two events each way, plus any reconciliation result decided on one side during the partition.
      for (const pulled of [(await A.admin.replicate()).peers[0], (await B.admin.replicate()).peers[0]]) {
        expect(pulled?.error).toBeUndefined();
        expect(pulled?.accepted).toBeGreaterThanOrEqual(2);
      }
      // A second round tells each side what the other now holds (replicatedSeq).
      await A.admin.replicate();
      await B.admin.replicate();
      const digest = await A.admin.digestText();
      expect(await B.admin.digestText()).toBe(digest);
      expect(JSON.parse(digest).registers).toHaveLength(2);
      for (const region of [A, B]) {
        const feed = await region.consumer.wholeFeed();
        const ids = feed.filter((i) => i.kind === "event").map(eventIdOf);
        expect(ids.sort()).toEqual(allEvents.map((e) => e.eventId).sort());
        expect(await region.admin.registerStatus("s1", "r1")).toMatchObject({ contiguousSeq: 3, replicatedSeq: 3, gaps: [] });
        expect(await region.admin.registerStatus("s1", "r2")).toMatchObject({ contiguousSeq: 2, replicatedSeq: 2 });
        const health = await region.admin.operatorHealth();
        expect(health.peers?.[0]).toMatchObject({ lagEvents: 0, lastError: null });
        expect(await region.admin.metrics()).toMatch(/tenderline_replication_lag_events\{peer="[AB]",region="[AB]"\} 0/);
      }
      // A retry of a batch against the other region is a duplicate there too.
      expect((await B.store("s1").sendBatch({ storeId: "s1", registerId: "r1", events: [refundA] })).results[0]?.status).toBe(
        "duplicate",
      );
    });

    it("raises the over-refund made on two registers during the partition, in both regions", async () => {
      await A.admin.runJobs();
      await B.admin.runJobs();
      for (const region of [A, B]) {
        const found = (await region.admin.exceptions({ kind: "over_refund", storeId: "s1" })).items;
        expect(found).toHaveLength(1);
        expect(found[0]?.subject).toBe("S1");
        const returns = ((found[0]?.detail.returns ?? []) as Array<{ eventId: string }>).map((r) => r.eventId).sort();
        expect(returns).toEqual([refundA.eventId, refundB.eventId].sort());
        expect(found[0]?.detail).toMatchObject({ paid: 4000, refunded: 4500 });
      }
    });

    it("reconciles each offline tender once across both regions, and the results replicate and reach both feeds", async () => {
      for (let round = 0; round < 2; round++) {
        await A.admin.runJobs();
        await B.admin.runJobs();
        await A.admin.replicate();
        await B.admin.replicate();
      }
      await A.admin.runJobs();
      await B.admin.runJobs();
      const digest = await A.admin.digestText();
      expect(await B.admin.digestText()).toBe(digest);
      expect(JSON.parse(digest).tenderResults.count).toBe(3);
      for (const region of [A, B]) {
        const feed = await region.consumer.wholeFeed();
        const results = feed
          .filter((i) => i.kind === "tender_result")
          .map((i) => i.reconciliation as { tenderId: string; outcome: string });
        expect(results.map((r) => `${r.tenderId}:${r.outcome}`).sort()).toEqual([
          "A3-t1:amount_mismatch",
          "B2-t1:declined",
          "S1-t1:matched",
        ]);
        const saleItem = feed.find((i) => eventIdOf(i) === sale.eventId);
        expect(saleItem?.reconciliation).toMatchObject({ state: "complete", tenders: [{ tenderId: "S1-t1", state: "matched" }] });
        const kinds = (await region.admin.exceptions({ storeId: "s1" })).items.map((e) => e.kind).sort();
        expect(kinds).toEqual(["amount_mismatch", "declined", "over_refund"]);
      }
    });
  });
}
