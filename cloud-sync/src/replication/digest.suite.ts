import { readFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyBatch } from "../ingest/classify-batch.ts";
import { eventRecord } from "../ingest/ingest-batch.ts";
import { type NewRecord, storeRecords } from "../ingest/store-records.ts";
import { resultRecord, tenderResult } from "../reconcile/tender-result.ts";
import type { Database } from "../storage/database.ts";
import { saleEvent } from "../testing/events.ts";
import { type Backend, type TestStore, testStore } from "../testing/test-databases.ts";
import { computeDigest, scanDigest } from "./digest.ts";

function eventsOf(storeId: string, registerId: string, seqs: number[], origin = "A"): NewRecord[] {
  const events = seqs.map((seq) => saleEvent({ storeId, registerId, seq }));
  return classifyBatch(registerId, events).candidates.map((c) => eventRecord(c, origin));
}

function resultOf(event: NewRecord, origin = "A"): NewRecord {
  return resultRecord(
    tenderResult(
      {
        eventId: event.recordId,
        transactionId: "T",
        tenderId: `T-${event.seq}`,
        storeId: event.storeId,
        terminalTxnId: `TT-${event.seq}`,
        expected: { amount: 1000, currency: "USD" },
      },
      {
        terminalTxnId: `TT-${event.seq}`,
        outcome: "matched",
        authCode: "A1",
        processorRef: "R1",
        settled: { amount: 1000, currency: "USD" },
      },
    ),
    origin,
  );
}

/** The digest kept as the log grows, run once per storage backend (digest.test.ts, digest.pg.test.ts). */
export function digestSuite(backend: Backend): void {
  describe(`the kept digest over ${backend}`, () => {
    let stores: TestStore[];
    let a: Database;
    let b: Database;
    let run = 0;
    beforeAll(async () => {
      stores = await Promise.all([testStore(backend, "digest_a"), testStore(backend, "digest_b")]);
      [a, b] = (await Promise.all(stores.map((s) => s.open()))) as [Database, Database];
    });
    afterAll(async () => {
      await Promise.all(stores.map((s) => s.cleanup()));
    });

    it("is the same in two regions that took the same records in any order, batches and repeats, and equals a scan of the log", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 12 }),
          fc.integer({ min: 1, max: 12 }),
          fc.infiniteStream(fc.integer({ min: 1, max: 5 })),
          async (n1, n2, batchSizes) => {
            const tag = `p${++run}`;
            const events = [
              ...eventsOf(
                `${tag}s1`,
                "r1",
                Array.from({ length: n1 }, (_, i) => i + 1),
              ),
              ...eventsOf(
                `${tag}s2`,
                "r9",
                Array.from({ length: n2 }, (_, i) => i + 1),
                "B",
              ),
            ];
            const all = [...events, ...events.filter((_, i) => i % 3 === 0).map((e) => resultOf(e))];
            // Region A takes them in log order, B backwards with repeats, in batches of random sizes.
            const inB = [...all].reverse();
            const sizes = batchSizes[Symbol.iterator]();
            for (let i = 0; i < inB.length; ) {
              const size = sizes.next().value as number;
              const batch = inB.slice(Math.max(0, i - 1), i + size);
              await b.transaction((tx) => storeRecords(tx, batch));
              i += size;
            }
            await a.transaction((tx) => storeRecords(tx, all));
            const [kept, other, scanned] = await Promise.all([computeDigest(a), computeDigest(b), scanDigest(a)]);
            expect(other).toEqual(kept);
            expect(scanned).toEqual(kept);
          },
        ),
        { numRuns: 8 },
      );
    });

    it("tells regions apart that hold different records: one event missing, or one content different", async () => {
      const base = eventsOf("diff-s", "r1", [1, 2, 3]);
      await a.transaction((tx) => storeRecords(tx, base));
      await b.transaction((tx) => storeRecords(tx, base.slice(0, 2)));
      const register = async (db: Database) => (await computeDigest(db)).registers.find((r) => r.storeId === "diff-s");
      expect(await register(b)).not.toEqual(await register(a));
      // The third event with other content (another record id and hash at the same seq).
      await b.transaction((tx) => storeRecords(tx, eventsOf("diff-s", "r1", [3])));
      const [inA, inB] = [await register(a), await register(b)];
      expect(inB?.count).toBe(inA?.count);
      expect(inB?.hash).not.toBe(inA?.hash);
    });

    it("counts nothing of a transaction that rolled back", async () => {
      const before = await computeDigest(a);
      await expect(
        a.transaction(async (tx) => {
          await storeRecords(tx, [...eventsOf("rb-s", "r1", [1, 2])]);
          throw new Error("rolled back on purpose");
        }),
      ).rejects.toThrow("rolled back on purpose");
      expect(await computeDigest(a)).toEqual(before);
      expect(await scanDigest(a)).toEqual(before);
    });

    it("is filled from the records already held when the migration runs (its SQL hashes as the append does)", async () => {
      const events = eventsOf("mig-s", "r1", [1, 2, 3, 4]);
      await a.transaction((tx) => storeRecords(tx, [...events, resultOf(events[0] as NewRecord)]));
      const kept = await computeDigest(a);
      const migration = readFileSync(new URL("../storage/migrations/012_log_digests.sql", import.meta.url), "utf8");
      const backfill = migration
        .split(";")
        .map((s) => s.trim())
        .filter((s) => /^(--[^\n]*\n)*INSERT INTO/.test(s));
      expect(backfill).toHaveLength(2);
      await a.transaction(async (tx) => {
        await tx.query("DELETE FROM register_digests");
        await tx.query("DELETE FROM tender_result_digests");
        for (const statement of backfill) await tx.query(statement);
      });
      expect(await computeDigest(a)).toEqual(kept);
    });
  });
}
