import { newEventId } from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestBatch } from "../ingest/ingest-batch.ts";
import { indexLog } from "../ledger/ledger-indexer.ts";
import { HttpTenderAuthority } from "../processor/http-tender-authority.ts";
import { type SimulatorProcess, startSimulatorProcess } from "../processor/simulator-process.ts";
import type { Database } from "../storage/database.ts";
import { saleEvent } from "../testing/events.ts";
import { type Backend, type TestStore, testStore } from "../testing/test-databases.ts";
import { Reconciler, type ReconcilerOptions } from "./reconciler.ts";
import type { TenderResult } from "./tender-result.ts";

const HOUR = 3_600_000;
const usd = (amount: number) => ({ amount, currency: "USD" });

/** The reconciler against the real processor simulator, on one storage backend. */
export function reconcilerSuite(backend: Backend): void {
  describe(`reconciler over ${backend}`, () => {
    let store: TestStore;
    let db: Database;
    let sim: SimulatorProcess;
    let register = 0;
    const options: ReconcilerOptions = { deadlineMs: 72 * HOUR, takeoverMs: 6 * HOUR, batch: 100, leaseMs: 60_000 };
    const reconciler = (d: Database = db, region = "A", timeoutMs = 5000, unreachable: string[] = []) =>
      new Reconciler(d, region, new HttpTenderAuthority({ baseUrl: sim.url, timeoutMs, retry: { retries: 0 } }), {
        ...options,
        unreachableRegions: async () => unreachable,
      });

    beforeAll(async () => {
      store = await testStore(backend, "reconcile");
      db = await store.open();
      sim = await startSimulatorProcess();
    });
    afterAll(async () => {
      await sim?.stop();
      await store?.cleanup();
    });

    async function simulator(method: string, path: string, body?: unknown): Promise<void> {
      const res = await fetch(`${sim.url}${path}`, {
        method,
        headers: { "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect(res.ok).toBe(true);
      await res.body?.cancel();
    }

    /** Sales with one offline card tender each, ingested and indexed; returns their terminal ids. */
    async function sales(specs: Array<{ txn: string; amount: number }>): Promise<void> {
      const r = `r${++register}`;
      const events = specs.map((s, i) =>
        saleEvent({ registerId: r, seq: i + 1, transactionId: s.txn, cardAmount: s.amount, terminalTxnId: `T-${s.txn}` }),
      );
      await ingestBatch(db, "A", { storeId: "s1", registerId: r, events });
      await indexLog(db, ["A"]);
    }
    async function results(txns: string[]): Promise<TenderResult[]> {
      const rows = await db.query<{ body: string }>(
        "SELECT body FROM records WHERE kind = 'tender_result' AND (body::jsonb)->>'transactionId' = ANY($1::text[]) ORDER BY pos",
        [txns],
      );
      return rows.map((r) => JSON.parse(r.body) as TenderResult);
    }

    it("records matched, amount-mismatch and declined answers as results, and raises exceptions for the problems", async () => {
      await simulator("POST", "/v1/settlements", {
        records: [
          { terminalTxnId: "T-m1", amount: usd(3000), authCode: "AUTHM1", processorRef: "REF-M1" },
          { terminalTxnId: "T-m2", amount: usd(2500), authCode: "AUTHM2", processorRef: "REF-M2" },
          { terminalTxnId: "T-m3", amount: usd(1200), status: "declined", declineReason: "insufficient_funds" },
        ],
      });
      await sales([
        { txn: "m1", amount: 3000 },
        { txn: "m2", amount: 2600 },
        { txn: "m3", amount: 1200 },
      ]);
      const summary = await reconciler().runOnce();
      expect(summary.results).toMatchObject({ matched: 1, amount_mismatch: 1, declined: 1 });
      const got = await results(["m1", "m2", "m3"]);
      expect(got.map((r) => [r.transactionId, r.outcome])).toEqual([
        ["m1", "matched"],
        ["m2", "amount_mismatch"],
        ["m3", "declined"],
      ]);
      expect(got[0]).toMatchObject({ authCode: "AUTHM1", processorRef: "REF-M1", expected: usd(3000) });
      expect(got[1]).toMatchObject({ processorAmount: usd(2500), expected: usd(2600) });
      expect(got[2]).toMatchObject({ declineReason: "insufficient_funds" });
      // The original events are untouched: the answers are new records.
      const original = await db.query<{ body: string }>(
        "SELECT body FROM records WHERE kind = 'event' AND body LIKE '%\"T-m1\"%'",
      );
      expect(original[0]?.body).toContain('"authCode":null');

      await indexLog(db, ["A"]);
      const exceptions = await db.query<{ kind: string; subject: string }>(
        "SELECT kind, subject FROM exceptions WHERE subject IN ('m1/m1-t1', 'm2/m2-t1', 'm3/m3-t1') ORDER BY subject",
      );
      expect(exceptions).toEqual([
        { kind: "amount_mismatch", subject: "m2/m2-t1" },
        { kind: "declined", subject: "m3/m3-t1" },
      ]);

      // Running again finds nothing left to do and adds nothing.
      const again = await reconciler().runOnce();
      expect(again.claimed).toBe(0);
      expect(await results(["m1", "m2", "m3"])).toHaveLength(3);
    });

    it("retries a tender the processor does not know yet, and makes it a not_found exception only past the deadline", async () => {
      await sales([{ txn: "nf1", amount: 999 }]);
      const now = Date.now();
      const first = await reconciler().runOnce(new Date(now));
      expect(first).toMatchObject({ claimed: 1, retried: 1 });
      expect(await results(["nf1"])).toEqual([]);
      // Not due again straight away: the backoff holds it.
      expect((await reconciler().runOnce(new Date(now + 1000))).claimed).toBe(0);
      // Later, still before the deadline: asked again, still only retried.
      expect(await reconciler().runOnce(new Date(now + 2 * HOUR))).toMatchObject({ claimed: 1, retried: 1 });
      // Settled at last before the deadline: matched.
      await sales([{ txn: "nf2", amount: 500 }]);
      await simulator("POST", "/v1/settlements", {
        records: [{ terminalTxnId: "T-nf2", amount: usd(500), authCode: "AUTHN2", processorRef: "REF-N2" }],
      });
      await reconciler().runOnce(new Date(now + 3 * HOUR));
      expect((await results(["nf2"]))[0]?.outcome).toBe("matched");
      // Past the deadline with no record: the final answer.
      const late = await reconciler().runOnce(new Date(now + 73 * HOUR));
      expect(late.results.not_found).toBeGreaterThanOrEqual(1);
      expect((await results(["nf1"]))[0]?.outcome).toBe("not_found");
    });

    it("decides nothing when the processor does not answer, and retries later", async () => {
      await sales([{ txn: "h1", amount: 700 }]);
      await simulator("POST", "/v1/settlements", {
        records: [{ terminalTxnId: "T-h1", amount: usd(700), authCode: "AUTHH1", processorRef: "REF-H1" }],
      });
      await simulator("PUT", "/v1/behaviour/T-h1", { respond: "hang", times: 1 });
      const now = Date.now();
      const hung = await reconciler(db, "A", 300).runOnce(new Date(now));
      expect(hung.error).toMatch(/did not answer/);
      expect(hung.retried).toBeGreaterThanOrEqual(1);
      expect(await results(["h1"])).toEqual([]);
      await reconciler().runOnce(new Date(now + HOUR));
      expect((await results(["h1"]))[0]?.outcome).toBe("matched");
    });

    it("leaves a tender alone once the register itself sends its details", async () => {
      const r = `r${++register}`;
      const sale = saleEvent({ registerId: r, seq: 1, transactionId: "du1", cardAmount: 800, terminalTxnId: "T-du1" });
      const update = {
        eventId: newEventId(),
        storeId: "s1",
        registerId: r,
        seq: 2,
        type: "tender.details_updated",
        occurredAt: new Date().toISOString(),
        schemaVersion: 1,
        payload: { transactionId: "du1", tenderId: "du1-t1", authCode: "TERM01", processorRef: "TREF01", source: "terminal" },
      };
      await ingestBatch(db, "A", { storeId: "s1", registerId: r, events: [sale, update] });
      await indexLog(db, ["A"]);
      const [work] = await db.query<{ status: string }>("SELECT status FROM reconcile_work WHERE transaction_id = 'du1'");
      expect(work?.status).toBe("details_from_register");
      await reconciler().runOnce(new Date(Date.now() + 100 * HOUR));
      expect(await results(["du1"])).toEqual([]);
    });

    it("leaves one result per tender when several instances run at once", async () => {
      const txns = Array.from({ length: 30 }, (_, i) => `c${i}`);
      await simulator("POST", "/v1/settlements", {
        records: txns.map((t) => ({ terminalTxnId: `T-${t}`, amount: usd(100), authCode: `A${t}`, processorRef: `R-${t}` })),
      });
      await sales(txns.map((txn) => ({ txn, amount: 100 })));
      const other = backend === "postgres" ? await store.open() : db;
      const runs = await Promise.all([reconciler().runOnce(), reconciler(other).runOnce(), reconciler().runOnce()]);
      expect(runs.reduce((n, r) => n + r.results.matched, 0)).toBe(30);
      const got = await results(txns);
      expect(got).toHaveLength(30);
      expect(new Set(got.map((r) => r.tenderId)).size).toBe(30);
    });

    it("looks up only the tenders this region owns, and takes over another region's when overdue and that region is out of reach", async () => {
      await simulator("POST", "/v1/settlements", {
        records: [{ terminalTxnId: "T-o1", amount: usd(100), authCode: "AO1", processorRef: "RO1" }],
      });
      const r = `r${++register}`;
      await ingestBatch(db, "A", {
        storeId: "s1",
        registerId: r,
        events: [saleEvent({ registerId: r, seq: 1, transactionId: "o1", cardAmount: 100, terminalTxnId: "T-o1" })],
      });
      // The same tender as seen by a two-region deployment: owned by exactly one of A and B.
      await indexLog(db, ["A", "B"]);
      const [row] = await db.query<{ owner_region: string }>(
        "SELECT owner_region FROM reconcile_work WHERE transaction_id = 'o1'",
      );
      const owner = row?.owner_region as string;
      const stranger = owner === "A" ? "B" : "A";
      const now = Date.now();
      expect((await reconciler(db, stranger, 5000, [owner]).runOnce(new Date(now))).claimed).toBe(0);
      // Overdue, but its owner is reachable: still the owner's to do.
      expect((await reconciler(db, stranger, 5000, []).runOnce(new Date(now + 7 * HOUR))).claimed).toBe(0);
      // Overdue and its owner out of reach: taken over.
      const takeover = await reconciler(db, stranger, 5000, [owner]).runOnce(new Date(now + 7 * HOUR));
      expect(takeover.results.matched).toBe(1);
    });
  });
}
