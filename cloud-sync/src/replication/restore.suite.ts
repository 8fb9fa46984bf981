import { FeedCursorStaleSchema, type FeedItem, RegionApiError, type TenderEvent } from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RegionProcess, startRegionProcess } from "../server/region-process.ts";
import { saleEvent } from "../testing/events.ts";
import { freePort } from "../testing/free-port.ts";
import { type RegionAs, regionAs } from "../testing/region-client.ts";
import { type RestorableStorage, restorableStorage } from "../testing/restorable-storage.ts";
import type { Backend } from "../testing/test-databases.ts";

const TOKENS = {
  store: { s1: "tl_store_s1_restore_0000000000001" },
  admin: "tl_admin_restore_000000000000001",
  consumer: "tl_consumer_restore_00000000001",
  region: { A: "tl_region_A_restore_000000000001", B: "tl_region_B_restore_000000000001" },
};
const eventIdOf = (item: FeedItem) => (item.event as { eventId?: string } | null)?.eventId;
const sales = (registerId: string, from: number, to: number): TenderEvent[] =>
  Array.from({ length: to - from + 1 }, (_, i) =>
    saleEvent({ registerId, seq: from + i, cashAmount: 500 + i, cardAmount: 1000, occurredAt: new Date().toISOString() }),
  );

/**
 * Region A's database is backed up, goes on taking sales, and is restored to the backup (as an
 * operator restores last night's dump): everything A acknowledged since is gone from it. A finds
 * out at start-up from what B has read of its log, starts a new epoch and heals from B; B is told
 * its cursor is from the old history and re-scans; a consumer of A is told to resume, and nothing
 * it had read is lost, with every repeat marked.
 */
export function restoreSuite(backend: Backend): void {
  describe(`a region restored from a backup over ${backend}`, () => {
    let storage: RestorableStorage;
    let bStorage: RestorableStorage;
    const regions: Record<"A" | "B", RegionProcess | undefined> = { A: undefined, B: undefined };
    const ports: Record<"A" | "B", number> = { A: 0, B: 0 };
    let A: RegionAs;
    let B: RegionAs;

    async function start(name: "A" | "B"): Promise<void> {
      const other = name === "A" ? "B" : "A";
      const process = await startRegionProcess({
        region: name,
        ...(name === "A" ? storage.flags : bStorage.flags),
        port: ports[name],
        bootstrapTokens: [
          { token: TOKENS.store.s1, kind: "store", storeId: "s1" },
          { token: TOKENS.admin, kind: "admin" },
          { token: TOKENS.consumer, kind: "consumer" },
          { token: TOKENS.region[other], kind: "region", regionName: other },
        ],
        peers: [{ name: other, url: `http://127.0.0.1:${ports[other]}`, token: TOKENS.region[name] }],
        extraArgs: ["--background-jobs", "false", "--log-level", "warn"],
      });
      regions[name] = process;
    }

    beforeAll(async () => {
      storage = await restorableStorage(backend, "restore_a");
      bStorage = await restorableStorage(backend, "restore_b");
      // Fixed ports: each region knows the other's address before it starts.
      ports.A = await freePort();
      ports.B = await freePort();
      await Promise.all([start("A"), start("B")]);
      A = regionAs((regions.A as RegionProcess).url, TOKENS);
      B = regionAs((regions.B as RegionProcess).url, TOKENS);
    });
    afterAll(async () => {
      await Promise.all([regions.A?.stop(), regions.B?.stop()]);
      await storage?.cleanup();
      await bStorage?.cleanup();
    });

    const before = sales("r1", 1, 3);
    const lost = [...sales("r1", 4, 6), ...sales("r2", 1, 2)];
    const after = sales("r1", 7, 8);
    let readBefore: FeedItem[] = [];
    let cursorBefore = "0";

    it("heals A after a restore: it gets back from B what it lost, B re-scans it, digests are equal", async () => {
      await A.store("s1").sendBatch({ storeId: "s1", registerId: "r1", events: before });
      await B.admin.replicate();
      // The backup.
      await regions.A?.stop();
      await storage.snapshot();
      await start("A");
      // Acknowledged by A after the backup, and pulled by B.
      await A.store("s1").sendBatch({ storeId: "s1", registerId: "r1", events: lost.slice(0, 3) });
      await A.store("s1").sendBatch({ storeId: "s1", registerId: "r2", events: lost.slice(3) });
      await B.admin.replicate();
      readBefore = await A.consumer.wholeFeed();
      cursorBefore = readBefore.at(-1)?.cursor ?? "0";
      expect(readBefore.map(eventIdOf)).toEqual([...before, ...lost].map((e) => e.eventId));

      // The restore: A's database is last night's again.
      await regions.A?.stop();
      await storage.restore();
      await start("A");
      // It found out at start-up, from how far B had read its log: a new epoch after the restored head.
      const health = await A.admin.operatorHealth();
      expect(health.status).toBe("ok");
      expect(health.log).toMatchObject({ n: 2, startsAfter: before.length });
      expect(health.log?.reason).toMatch(/peer B had read this log up to position/);
      expect(await A.admin.registerStatus("s1", "r1")).toMatchObject({ contiguousSeq: 3 });
      // New sales reuse positions the lost ones had: only the epoch tells them apart.
      await A.store("s1").sendBatch({ storeId: "s1", registerId: "r1", events: after.slice(0, 1) });

      // A heals: it pulls B's whole log, its own records included, and has every event again.
      const healed = (await A.admin.replicate()).peers[0];
      expect(healed?.error).toBeUndefined();
      expect(healed?.accepted).toBe(lost.length);
      expect(await A.admin.registerStatus("s1", "r2")).toMatchObject({ contiguousSeq: 2 });
      // B's cursor into A is from the old history: it is told so, re-scans A, and gets the new sale.
      const rescanned = (await B.admin.replicate()).peers[0];
      expect(rescanned?.error).toBeUndefined();
      expect(rescanned).toMatchObject({ rescans: 1, accepted: 1 });
      await A.store("s1").sendBatch({ storeId: "s1", registerId: "r1", events: after.slice(1) });
      await B.admin.replicate();
      await A.admin.replicate();
      await B.admin.replicate();
      expect(await B.admin.digestText()).toBe(await A.admin.digestText());
      for (const region of [A, B]) {
        expect(await region.admin.registerStatus("s1", "r1")).toMatchObject({ contiguousSeq: 8, gaps: [] });
        expect(await region.admin.registerStatus("s1", "r2")).toMatchObject({ contiguousSeq: 2 });
      }
    });

    it("tells a consumer of A its cursor is stale; resuming as told loses nothing and marks every repeat", async () => {
      const refused = await A.consumer.feedPage({ after: cursorBefore }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(RegionApiError);
      const error = refused as RegionApiError;
      expect(error.status).toBe(409);
      expect(error.code).toBe("feed_cursor_stale");
      const { resumeCursor } = FeedCursorStaleSchema.parse(error.facts);
      const resumed = await A.consumer.wholeFeed({ after: resumeCursor });
      const seen = new Set(readBefore.map(eventIdOf));
      // Nothing is lost: what was read before and what came after the resume is every event.
      const all = new Set([...seen, ...resumed.map(eventIdOf)]);
      expect([...all].sort()).toEqual([...before, ...lost, ...after].map((e) => e.eventId).sort());
      // Every event read again is marked as a possible repeat.
      for (const item of resumed) {
        if (seen.has(eventIdOf(item))) expect(item.mayRepeat, `${eventIdOf(item)} is a repeat`).toBe(true);
      }
      expect(resumed.some((i) => seen.has(eventIdOf(i)))).toBe(true);
      // A consumer of B was never misled: B's feed holds each event once.
      const ids = (await B.consumer.wholeFeed()).map(eventIdOf);
      expect(ids.sort()).toEqual([...new Set(ids)].sort());
      expect(ids).toHaveLength(before.length + lost.length + after.length);
    });
  });
}
