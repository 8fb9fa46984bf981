import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestBatch } from "../ingest/ingest-batch.ts";
import type { Database } from "../storage/database.ts";
import { returnEvent, saleEvent } from "../testing/events.ts";
import { type Backend, type TestStore, testStore } from "../testing/test-databases.ts";
import { indexLog } from "./ledger-indexer.ts";

/** The ledger indexer over one backend: follows the log once, whatever runs it at the same time. */
export function ledgerIndexerSuite(backend: Backend): void {
  describe(`ledger indexer over ${backend}`, () => {
    let store: TestStore;
    let db: Database;
    beforeAll(async () => {
      store = await testStore(backend, "ledger");
      db = await store.open();
    });
    afterAll(async () => {
      await store?.cleanup();
    });

    it("indexes every record once when instances run it together, and only new records afterwards", async () => {
      const sales = Array.from({ length: 1200 }, (_, i) =>
        saleEvent({ registerId: "r1", seq: i + 1, transactionId: `L${i}`, cardAmount: 1000, cashAmount: 200 }),
      );
      for (let i = 0; i < sales.length; i += 400) {
        await ingestBatch(db, "A", { storeId: "s1", registerId: "r1", events: sales.slice(i, i + 400) });
      }
      const refund = returnEvent({ registerId: "r2", seq: 1, originalTransactionId: "L7", tenderId: "L7-t1", amount: 500 });
      await ingestBatch(db, "A", { storeId: "s1", registerId: "r2", events: [refund] });

      const other = backend === "postgres" ? await store.open() : db;
      const read = await Promise.all([indexLog(db, ["A"], 250), indexLog(other, ["A"], 250), indexLog(db, ["A"], 250)]);
      // Instances take turns; whatever each read, all of it was read.
      expect(read.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1201);
      const count = async (sql: string) => Number((await db.query<{ n: number }>(sql))[0]?.n);
      expect(await count("SELECT count(*)::int AS n FROM sale_tenders")).toBe(2400);
      expect(await count("SELECT count(*)::int AS n FROM reconcile_work")).toBe(1200);
      expect(await count("SELECT count(*)::int AS n FROM refund_lines")).toBe(1);
      expect(await count("SELECT count(*)::int AS n FROM refund_checks")).toBe(1);
      expect(await count("SELECT cursor AS n FROM job_cursors WHERE job = 'ledger'")).toBe(
        await count("SELECT max(pos) AS n FROM records"),
      );

      expect(await indexLog(db, ["A"])).toBe(0);
      await ingestBatch(db, "A", {
        storeId: "s1",
        registerId: "r2",
        events: [saleEvent({ registerId: "r2", seq: 2, transactionId: "L-new" })],
      });
      expect(await indexLog(db, ["A"])).toBe(1);
    });
  });
}
