import { type ReservationRequest, receiptNumber, ServiceError } from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listExceptions } from "../exceptions/exception-store.ts";
import { backfillReturns, indexLog } from "../ledger/ledger-indexer.ts";
import { validateRefunds } from "../refunds/refund-validator.ts";
import type { Database } from "../storage/database.ts";
import { type Backend, type TestStore, testStore } from "../testing/test-databases.ts";
import { lookUpOriginal } from "./original-state.ts";
import { releaseReturn, reserveReturn } from "./reservations.ts";
import { order, record, returned, sale } from "./test-events.ts";
import { listUnverifiedReturns } from "./unverified-list.ts";

/** A clock the test moves by hand. */
function clock(start = "2026-11-26T12:00:00.000Z") {
  let t = Date.parse(start);
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

async function refusal(p: Promise<unknown>): Promise<ServiceError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ServiceError);
  return error as ServiceError;
}

/** The returns ledger over one backend: lookup, reservations (and their races), verification, over-refunds. */
export function returnsSuite(backend: Backend): void {
  describe(`returns anywhere over ${backend}`, () => {
    let store: TestStore;
    let db: Database;
    beforeAll(async () => {
      store = await testStore(backend, "returns");
      db = await store.open();
    });
    afterAll(async () => {
      await store?.cleanup();
    });

    it("looks an original up by receipt number (any case) or transaction id, with what is left to return and refund", async () => {
      const s = sale({
        storeId: "s1",
        registerId: "r1",
        seq: 11,
        transactionId: "LK-1",
        lines: [
          { sku: "SKU-1", quantity: 2, unitPrice: 1000, tax: 100 },
          { sku: "SKU-2", quantity: 1, unitPrice: 500 },
        ],
        giftCard: 600,
      });
      // Returned at another store: one unit, to the card.
      const r = returned({
        storeId: "s2",
        registerId: "r7",
        seq: 1,
        transactionId: "LK-R1",
        items: [{ original: "LK-1", sku: "SKU-1", quantity: 1, refund: 1050 }],
        allocation: [{ original: "LK-1", tenderId: "LK-1-t1", amount: 1050 }],
      });
      await record(db, [s, r]);
      const receipt = receiptNumber("s1", "r1", 11);
      const byReceipt = await lookUpOriginal(db, ` ${receipt.toLowerCase()} `, new Date());
      const byId = await lookUpOriginal(db, "LK-1", new Date());
      expect(byReceipt).toEqual(byId);
      expect(byId).toEqual({
        transactionId: "LK-1",
        receiptNumber: receipt,
        kind: "sale",
        storeId: "s1",
        registerId: "r1",
        channel: null,
        occurredAt: s.occurredAt,
        currency: "USD",
        lines: [
          {
            lineNo: 0,
            sku: "SKU-1",
            description: "SKU-1 item",
            quantity: 2,
            unitPrice: { amount: 1000, currency: "USD" },
            tax: { amount: 100, currency: "USD" },
            returned: 1,
            reserved: 0,
            returnable: 1,
          },
          {
            lineNo: 1,
            sku: "SKU-2",
            description: "SKU-2 item",
            quantity: 1,
            unitPrice: { amount: 500, currency: "USD" },
            tax: { amount: 0, currency: "USD" },
            returned: 0,
            reserved: 0,
            returnable: 1,
          },
        ],
        tenders: [
          {
            tenderId: "LK-1-t1",
            type: "card",
            amount: { amount: 2000, currency: "USD" },
            refunded: { amount: 1050, currency: "USD" },
            reserved: { amount: 0, currency: "USD" },
            refundable: { amount: 950, currency: "USD" },
            card: { brand: "visa", last4: "4242", token: "tok_ret_1", processorRef: "PR-LK-1" },
          },
          {
            tenderId: "LK-1-t2",
            type: "gift_card",
            amount: { amount: 600, currency: "USD" },
            refunded: { amount: 0, currency: "USD" },
            reserved: { amount: 0, currency: "USD" },
            refundable: { amount: 600, currency: "USD" },
            giftCard: { last4: "9876" },
          },
        ],
      });
      expect(JSON.stringify(byId)).not.toMatch(/gift_tok_secret|c-9|T-LK/);
      expect(await lookUpOriginal(db, "NOPE-1", new Date())).toBeNull();
    });

    it("knows online orders (their channel) and counts units returned by receipt number", async () => {
      const o = order({ seq: 3, transactionId: "ORD-1", lines: [{ sku: "SKU-9", quantity: 2, unitPrice: 700 }] });
      await record(db, [o]);
      const found = await lookUpOriginal(db, receiptNumber("online", "web-1", 3), new Date());
      expect(found).toMatchObject({
        transactionId: "ORD-1",
        kind: "order",
        storeId: "online",
        registerId: "web-1",
        channel: "web",
      });
      // An unverified return names the original by its receipt number: its unit is returned all the same.
      await record(db, [
        returned({
          storeId: "s2",
          registerId: "r8",
          seq: 1,
          transactionId: "ORD-R1",
          items: [{ original: receiptNumber("online", "web-1", 3).toLowerCase(), sku: "SKU-9", quantity: 1, refund: 700 }],
          verified: false,
        }),
      ]);
      expect((await lookUpOriginal(db, "ORD-1", new Date()))?.lines[0]).toMatchObject({ returned: 1, returnable: 1 });
    });

    describe("reservations", () => {
      const request = (returnEventId: string, transactionId: string, quantity = 1, amount = 500): ReservationRequest => ({
        returnEventId,
        storeId: "s3",
        registerId: "r1",
        originals: [
          {
            transactionId,
            items: [{ sku: "SKU-1", quantity }],
            refunds: [{ tenderId: `${transactionId}-t1`, amount: { amount, currency: "USD" } }],
          },
        ],
      });
      const one = (seq: number, transactionId: string, quantity = 1) =>
        sale({ storeId: "s1", registerId: "r5", seq, transactionId, lines: [{ sku: "SKU-1", quantity, unitPrice: 500 }] });

      it("holds all or nothing, answers the same request again with 200, and refuses other content for the id", async () => {
        await record(db, [one(1, "RS-1", 2)]);
        const c = clock();
        const first = await reserveReturn(db, request("res-1", "RS-1"), { now: c.now });
        expect(first).toEqual({ status: 201, reservation: { returnEventId: "res-1", expiresAt: "2026-11-26T12:02:00.000Z" } });
        c.advance(5_000);
        expect(await reserveReturn(db, request("res-1", "RS-1"), { now: c.now })).toEqual({ ...first, status: 200 });
        const conflict = await refusal(reserveReturn(db, request("res-1", "RS-1", 2, 1000), { now: c.now }));
        expect([conflict.status, conflict.code]).toEqual([409, "reservation_conflict"]);
        const held = await lookUpOriginal(db, "RS-1", c.now());
        expect(held?.lines[0]).toMatchObject({ returned: 0, reserved: 1, returnable: 1 });
        expect(held?.tenders[0]).toMatchObject({ reserved: { amount: 500 }, refundable: { amount: 500 } });
        // Two more units than are left: nothing is held, and the cashier is told what is left.
        const short = await refusal(reserveReturn(db, request("res-2", "RS-1", 2, 500), { now: c.now }));
        expect([short.status, short.code]).toEqual([409, "already_returned"]);
        expect(short.message).toMatch(
          /^1 of SKU-1 on receipt S1-R5-1-. was already returned or are being returned at another register; 1 left, 2 asked/,
        );
        expect(short.details).toMatchObject({
          shortages: [{ transactionId: "RS-1", sku: "SKU-1", sold: 2, reserved: 1, returnable: 1, requested: 2 }],
        });
        expect((await lookUpOriginal(db, "RS-1", c.now()))?.lines[0]?.reserved).toBe(1);
        // Unknown originals and skus are named.
        expect((await refusal(reserveReturn(db, request("res-3", "NOPE"), { now: c.now }))).code).toBe("original_not_found");
        const sku = await refusal(
          reserveReturn(
            db,
            {
              ...request("res-3", "RS-1"),
              originals: [{ transactionId: "RS-1", items: [{ sku: "X", quantity: 1 }], refunds: [] }],
            },
            { now: c.now },
          ),
        );
        expect([sku.status, sku.code]).toEqual([422, "not_on_original"]);
      });

      it("refuses more refund than a tender has left", async () => {
        await record(db, [one(2, "RS-2", 3)]);
        const c = clock();
        await reserveReturn(db, request("res-4", "RS-2", 1, 1000), { now: c.now });
        const short = await refusal(reserveReturn(db, request("res-5", "RS-2", 1, 600), { now: c.now }));
        expect(short.code).toBe("already_returned");
        expect(short.message).toContain("card tender RS-2-t1 on receipt");
        expect(short.details).toMatchObject({
          shortages: [{ tenderId: "RS-2-t1", paid: 1500, reserved: 1000, refundable: 500, requested: 600 }],
        });
      });

      it("stops counting at expiry (by the injected clock) and when released, by its own register only", async () => {
        await record(db, [one(3, "RS-3", 1)]);
        const c = clock();
        await reserveReturn(db, request("res-6", "RS-3"), { now: c.now, ttlMs: 30_000 });
        expect((await refusal(reserveReturn(db, request("res-7", "RS-3"), { now: c.now }))).code).toBe("already_returned");
        c.advance(29_999);
        expect((await refusal(reserveReturn(db, request("res-7", "RS-3"), { now: c.now }))).code).toBe("already_returned");
        c.advance(1);
        expect((await lookUpOriginal(db, "RS-3", c.now()))?.lines[0]).toMatchObject({ reserved: 0, returnable: 1 });
        expect((await reserveReturn(db, request("res-7", "RS-3"), { now: c.now })).status).toBe(201);
        const other = await refusal(releaseReturn(db, "res-7", { storeId: "s3", registerId: "r2" }));
        expect([other.status, other.code]).toEqual([403, "wrong_register"]);
        expect(await releaseReturn(db, "res-7", { storeId: "s3", registerId: "r1" })).toBe(true);
        expect(await releaseReturn(db, "res-7", { storeId: "s3", registerId: "r1" })).toBe(false);
        expect((await reserveReturn(db, request("res-8", "RS-3"), { now: c.now })).status).toBe(201);
      });

      it("counts a reservation's units as returned once its return event reaches the ledger, never twice", async () => {
        await record(db, [one(4, "RS-4", 2)]);
        const c = clock();
        const ret = returned({
          storeId: "s3",
          registerId: "r1",
          seq: 1,
          transactionId: "RS-4-R",
          items: [{ original: "RS-4", sku: "SKU-1", quantity: 1, refund: 500 }],
          allocation: [{ original: "RS-4", tenderId: "RS-4-t1", amount: 500 }],
        });
        await reserveReturn(db, request(ret.eventId, "RS-4"), { now: c.now });
        expect((await lookUpOriginal(db, "RS-4", c.now()))?.lines[0]).toMatchObject({ returned: 0, reserved: 1, returnable: 1 });
        await record(db, [ret]);
        const after = await lookUpOriginal(db, "RS-4", c.now());
        expect(after?.lines[0]).toMatchObject({ returned: 1, reserved: 0, returnable: 1 });
        expect(after?.tenders[0]).toMatchObject({
          refunded: { amount: 500 },
          reserved: { amount: 0 },
          refundable: { amount: 500 },
        });
        // Asked again after it was recorded: the same reservation, not a second hold.
        expect((await reserveReturn(db, request(ret.eventId, "RS-4"), { now: c.now })).status).toBe(200);
        expect((await reserveReturn(db, request("res-9", "RS-4"), { now: c.now })).status).toBe(201);
        expect((await refusal(reserveReturn(db, request("res-10", "RS-4"), { now: c.now }))).code).toBe("already_returned");
      });

      it("holds the last unit for exactly one of two registers asking at once (separate connections)", async () => {
        await record(db, [one(5, "RS-5", 1)]);
        const other = backend === "postgres" ? await store.open() : db;
        for (let round = 0; round < 5; round++) {
          const id = `RS-5-${round}`;
          if (round > 0) await record(db, [one(10 + round, id, 1)]);
          const txn = round === 0 ? "RS-5" : id;
          const c = clock();
          const outcomes = await Promise.allSettled([
            reserveReturn(db, { ...request(`race-a-${round}`, txn), registerId: "r1" }, { now: c.now }),
            reserveReturn(other, { ...request(`race-b-${round}`, txn), storeId: "s4", registerId: "r2" }, { now: c.now }),
          ]);
          expect(outcomes.filter((o) => o.status === "fulfilled").length).toBe(1);
          const refused = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
          expect((refused.reason as ServiceError).code).toBe("already_returned");
          expect((await lookUpOriginal(db, txn, c.now()))?.lines[0]).toMatchObject({ reserved: 1, returnable: 0 });
        }
      });
    });

    describe("unverified returns", () => {
      it("waits for its original from another store or region, then verifies a correct one without an exception", async () => {
        const ret = returned({
          storeId: "s5",
          registerId: "r1",
          seq: 1,
          transactionId: "UV-R1",
          items: [{ original: receiptNumber("s6", "r1", 1), sku: "SKU-1", quantity: 1, refund: 1100 }],
          verified: false,
        });
        await record(db, [ret]);
        expect(await listUnverifiedReturns(db, "s5", "waiting")).toEqual([
          {
            returnEventId: ret.eventId,
            transactionId: "UV-R1",
            storeId: "s5",
            registerId: "r1",
            occurredAt: ret.occurredAt,
            refund: { amount: 1100, currency: "USD" },
            approvedBy: null,
            status: "waiting",
            reason: null,
          },
        ]);
        await record(db, [
          sale({
            storeId: "s6",
            registerId: "r1",
            seq: 1,
            transactionId: "UV-1",
            lines: [{ sku: "SKU-1", quantity: 2, unitPrice: 1000, tax: 200 }],
          }),
        ]);
        expect((await listUnverifiedReturns(db, "s5", undefined)).map((r) => [r.status, r.reason])).toEqual([["verified", null]]);
        const raised = await listExceptions(db, { kind: "unverified_return_mismatch", storeId: "s5", limit: 10 });
        expect(raised).toEqual([]);
      });

      it("raises unverified_return_mismatch naming register and manager for a return priced above the original", async () => {
        await record(db, [
          sale({
            storeId: "s6",
            registerId: "r2",
            seq: 1,
            transactionId: "UV-2",
            lines: [{ sku: "SKU-1", quantity: 1, unitPrice: 1000 }],
          }),
        ]);
        const ret = returned({
          storeId: "s7",
          registerId: "r3",
          seq: 1,
          transactionId: "UV-R2",
          items: [{ original: "UV-2", sku: "SKU-1", quantity: 1, refund: 9_999_999 }],
          verified: false,
          managerId: "m-42",
        });
        const quantity = returned({
          storeId: "s7",
          registerId: "r3",
          seq: 2,
          transactionId: "UV-R3",
          items: [{ original: "UV-2", sku: "SKU-1", quantity: 1000, refund: 1000 }],
          verified: false,
        });
        await record(db, [ret, quantity]);
        const listed = await listUnverifiedReturns(db, "s7", "mismatch");
        expect(listed.map((r) => [r.transactionId, r.approvedBy, r.reason])).toEqual([
          ["UV-R2", "m-42", "1 of SKU-1 refunded 9999999 USD but paid at most 1000 on original UV-2"],
          ["UV-R3", null, "1000 of SKU-1 returned but original UV-2 sold 1"],
        ]);
        const raised = await listExceptions(db, { kind: "unverified_return_mismatch", storeId: "s7", limit: 10 });
        expect(raised.map((e) => e.key).sort()).toEqual(
          [`unverified_return_mismatch:${quantity.eventId}`, `unverified_return_mismatch:${ret.eventId}`].sort(),
        );
        const priced = raised.find((e) => e.subject === "UV-R2");
        expect(priced?.detail).toMatchObject({
          storeId: "s7",
          registerId: "r3",
          returnEventId: ret.eventId,
          transactionId: "UV-R2",
          managerId: "m-42",
        });
        expect(priced?.message).toContain("register r3, approved by manager m-42");
        // Indexing again (a rerun) changes nothing.
        await indexLog(db, ["A"]);
        expect((await listUnverifiedReturns(db, "s7", "mismatch")).length).toBe(2);
      });
    });

    it("learns the originals of records indexed before the returns ledger existed (an upgraded region)", async () => {
      await record(db, [
        sale({
          storeId: "s1",
          registerId: "r11",
          seq: 1,
          transactionId: "BF-1",
          lines: [{ sku: "SKU-1", quantity: 1, unitPrice: 100 }],
        }),
      ]);
      // As a region upgraded to migration 007 finds itself: the log indexed, the returns ledger empty.
      await db.query("DELETE FROM ledger_original_lines WHERE transaction_id = 'BF-1'");
      await db.query("DELETE FROM ledger_original_tenders WHERE transaction_id = 'BF-1'");
      await db.query("DELETE FROM ledger_originals WHERE transaction_id = 'BF-1'");
      expect(await lookUpOriginal(db, "BF-1", new Date())).toBeNull();
      await db.query(
        `INSERT INTO job_cursors (job, cursor) SELECT 'returns_backfill_end', cursor FROM job_cursors WHERE job = 'ledger'
         ON CONFLICT (job) DO UPDATE SET cursor = EXCLUDED.cursor`,
      );
      await db.query("DELETE FROM job_cursors WHERE job = 'returns_backfill'");
      expect(await indexLog(db, ["A"])).toBe(0);
      expect((await lookUpOriginal(db, "BF-1", new Date()))?.lines).toHaveLength(1);
      // Done once: the next run re-reads nothing.
      expect(await backfillReturns(db, ["A"])).toBe(0);
    });

    it("raises over_refund naming both returns when two stores refunded the same units of one original (a partition merged)", async () => {
      const s = sale({
        storeId: "s1",
        registerId: "r9",
        seq: 1,
        transactionId: "OR-1",
        lines: [{ sku: "SKU-1", quantity: 1, unitPrice: 2000 }],
      });
      const o = order({ seq: 9, transactionId: "OR-2", lines: [{ sku: "SKU-1", quantity: 1, unitPrice: 2000 }] });
      const back = (storeId: string, original: string, seq: number) =>
        returned({
          storeId,
          registerId: "r1",
          seq,
          transactionId: `${original}-${storeId}`,
          items: [{ original, sku: "SKU-1", quantity: 1, refund: 2000 }],
          allocation: [{ original, tenderId: `${original}-t1`, amount: 2000 }],
        });
      const returns = [back("s8", "OR-1", 1), back("s9", "OR-1", 1), back("s8", "OR-2", 2), back("s9", "OR-2", 2)];
      await record(db, [...returns, s, o]);
      await validateRefunds(db);
      const raised = await listExceptions(db, { kind: "over_refund", limit: 100 });
      for (const [original, ids] of [
        ["OR-1", [returns[0], returns[1]]],
        ["OR-2", [returns[2], returns[3]]],
      ] as const) {
        const e = raised.find((x) => x.subject === original);
        expect(e, original).toBeDefined();
        expect(((e?.detail.returns ?? []) as Array<{ eventId: string }>).map((r) => r.eventId).sort()).toEqual(
          ids.map((r) => r?.eventId).sort(),
        );
        expect(((e?.detail.returns ?? []) as Array<{ storeId: string }>).map((r) => r.storeId).sort()).toEqual(["s8", "s9"]);
      }
    });
  });
}
