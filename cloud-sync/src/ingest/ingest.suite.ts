import {
  type BatchResponse,
  BatchResponseSchema,
  ErrorBodySchema,
  FeedItemSchema,
  FeedResponseSchema,
  type TenderEvent,
} from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { Database } from "../storage/database.ts";
import { returnEvent, saleEvent } from "../testing/events.ts";
import { seedTestTokens, TOKENS, testApp } from "../testing/test-app.ts";
import { type Backend, type TestStore, testStore } from "../testing/test-databases.ts";

const PAN = "4111 1111 1111 1111";

/** The feed as these tests fill it: events only (no tender results yet), each with its reconciliation state. */
const EventFeedSchema = FeedResponseSchema.extend({
  items: z.array(
    FeedItemSchema.extend({
      event: z.looseObject({ eventId: z.string(), registerId: z.string() }),
      reconciliation: z.looseObject({ state: z.string() }),
    }),
  ),
});

/** The ingest behaviour, run once per storage backend (ingest.test.ts, ingest.pg.test.ts). */
export function ingestSuite(backend: Backend): void {
  describe(`ingest over ${backend}`, () => {
    let store: TestStore;
    let db: Database;
    let register = 0;
    // Each test writes its own register so tests stay independent within one database.
    const nextRegister = () => `r${++register}`;

    beforeAll(async () => {
      store = await testStore(backend, "ingest");
      db = await store.open();
      await seedTestTokens(db);
    });
    afterAll(async () => {
      await store.cleanup();
    });

    async function ingest(registerId: string, events: unknown[], token: string = TOKENS.s1, storeId = "s1") {
      const res = await testApp(db).post({ storeId, registerId, events }, token);
      const json: unknown = await res.json();
      if (res.status !== 200) {
        // Refused: the region's error body, and no batch answer to read.
        const refusal = ErrorBodySchema.parse(json);
        return {
          status: res.status,
          refusal,
          get body(): BatchResponse {
            throw new Error(`the batch was refused with ${res.status} ${refusal.error}: ${refusal.message}`);
          },
        };
      }
      return { status: res.status, body: BatchResponseSchema.parse(json), refusal: undefined };
    }
    async function storedCount(registerId: string): Promise<number> {
      const rows = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM records WHERE register_id = $1", [registerId]);
      return Number(rows[0]?.n);
    }

    it("counts every batch's outcomes per store: a batch that extends the run, a retry, a gap and its fill", async () => {
      const storeId = "s2";
      const counts = async () => {
        const rows = await db.query<{ accepted: number }>(
          "SELECT COALESCE(sum(accepted), 0)::int AS accepted FROM ingest_outcomes WHERE store_id = $1",
          [storeId],
        );
        return { accepted: Number(rows[0]?.accepted) };
      };
      const before = await counts();
      const r = nextRegister();
      const sale = (seq: number) => saleEvent({ registerId: r, seq, storeId });
      // Extends the register's run (the count rides with the watermark update), then a retry of it (nothing new).
      expect((await ingest(r, [sale(1), sale(2)], TOKENS.s2, storeId)).status).toBe(200);
      expect((await ingest(r, [sale(1), sale(2)], TOKENS.s2, storeId)).status).toBe(200);
      // A gap (seq 4 before 3), then what fills it: neither extends a run with nothing missing.
      expect((await ingest(r, [sale(4)], TOKENS.s2, storeId)).status).toBe(200);
      expect((await ingest(r, [sale(3)], TOKENS.s2, storeId)).status).toBe(200);
      expect((await counts()).accepted).toBe(before.accepted + 4);
    });

    it("accepts new events, acknowledges a retried batch as duplicates and stores each event once", async () => {
      const r = nextRegister();
      const events = [1, 2, 3].map((seq) => saleEvent({ registerId: r, seq }));
      const first = await ingest(r, events);
      expect(first.status).toBe(200);
      expect(first.body.results.map((x) => x.status)).toEqual(["accepted", "accepted", "accepted"]);
      expect(first.body.results.map((x) => x.eventId)).toEqual(events.map((e) => e.eventId));
      expect(first.body.watermark).toEqual({ contiguousSeq: 3, replicatedSeq: 3, gaps: [] });

      const again = await ingest(r, [...events].reverse());
      expect(again.body.results.map((x) => x.status)).toEqual(["duplicate", "duplicate", "duplicate"]);
      expect(again.body.watermark.contiguousSeq).toBe(3);
      expect(await storedCount(r)).toBe(3);
    });

    it("treats the same event twice in one batch as one accepted and one duplicate", async () => {
      const r = nextRegister();
      const e = saleEvent({ registerId: r, seq: 1 });
      // Same content with keys in another order is the same canonical content.
      const reordered = Object.fromEntries(Object.entries(e).reverse());
      const { body } = await ingest(r, [e, reordered]);
      expect(body.results.map((x) => x.status)).toEqual(["accepted", "duplicate"]);
      expect(await storedCount(r)).toBe(1);
    });

    it("rejects the same eventId with other content as a conflict and never overwrites the stored event", async () => {
      const r = nextRegister();
      const original = saleEvent({ registerId: r, seq: 1, cardAmount: 3000 });
      await ingest(r, [original]);
      const altered = { ...original, payload: { ...original.payload, cashierId: "someone-else" } };
      const { body } = await ingest(r, [altered]);
      expect(body.results[0]).toMatchObject({ eventId: original.eventId, status: "rejected", reason: "conflict" });
      const inBatch = saleEvent({ registerId: r, seq: 2 });
      const second = await ingest(r, [inBatch, { ...inBatch, occurredAt: "2026-11-26T11:00:00.000Z" }]);
      expect(second.body.results.map((x) => [x.status, x.reason])).toEqual([
        ["accepted", undefined],
        ["rejected", "conflict"],
      ]);
      const rows = await db.query<{ body: string }>("SELECT body FROM records WHERE record_id = $1", [original.eventId]);
      expect((JSON.parse(rows[0]?.body ?? "{}") as TenderEvent).payload).toMatchObject({ cashierId: "c-17" });
    });

    it("settles a batch of new seqs that carries an eventId stored before: that one conflicts, the rest are stored", async () => {
      const r = nextRegister();
      const other = nextRegister();
      const stored = saleEvent({ registerId: other, seq: 1 });
      await ingest(other, [stored]);
      // Seqs above anything register r holds: the region expects them all to be new, and one is not.
      const reused = saleEvent({ registerId: r, seq: 2, eventId: stored.eventId });
      const batch = [saleEvent({ registerId: r, seq: 1 }), reused, saleEvent({ registerId: r, seq: 3 })];
      const { status, body } = await ingest(r, batch);
      expect(status).toBe(200);
      expect(body.results.map((x) => [x.status, x.reason])).toEqual([
        ["accepted", undefined],
        ["rejected", "conflict"],
        ["accepted", undefined],
      ]);
      expect(body.watermark).toEqual({ contiguousSeq: 1, replicatedSeq: 1, gaps: [{ from: 2, to: 2 }] });
      expect(await storedCount(r)).toBe(2);
      const kept = await db.query<{ register_id: string }>("SELECT register_id FROM records WHERE record_id = $1", [
        stored.eventId,
      ]);
      expect(kept).toEqual([{ register_id: other }]);
    });

    it("rejects a (store, register, seq) reused by another eventId, across and within batches", async () => {
      const r = nextRegister();
      await ingest(r, [saleEvent({ registerId: r, seq: 1 })]);
      const clone = saleEvent({ registerId: r, seq: 1 });
      const twins = [saleEvent({ registerId: r, seq: 2 }), saleEvent({ registerId: r, seq: 2 })];
      const { body } = await ingest(r, [clone, ...twins]);
      expect(body.results.map((x) => [x.status, x.reason])).toEqual([
        ["rejected", "seq_conflict"],
        ["accepted", undefined],
        ["rejected", "seq_conflict"],
      ]);
      expect(await storedCount(r)).toBe(2);
    });

    it("reports the gaps that out-of-order seqs leave and closes them as the missing events arrive", async () => {
      const r = nextRegister();
      const e = Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((seq) => [seq, saleEvent({ registerId: r, seq })]));
      const a = await ingest(r, [e[7], e[2], e[4]]);
      expect(a.body.watermark).toEqual({
        contiguousSeq: 0,
        replicatedSeq: 0,
        gaps: [
          { from: 1, to: 1 },
          { from: 3, to: 3 },
          { from: 5, to: 6 },
        ],
      });
      const b = await ingest(r, [e[1], e[5]]);
      expect(b.body.watermark).toMatchObject({
        contiguousSeq: 2,
        gaps: [
          { from: 3, to: 3 },
          { from: 6, to: 6 },
        ],
      });
      const c = await ingest(r, [e[6], e[3]]);
      expect(c.body.watermark).toEqual({ contiguousSeq: 7, replicatedSeq: 7, gaps: [] });

      const status = await testApp(db).get(`/v1/stores/s1/registers/${r}`, TOKENS.s1);
      expect(status.status).toBe(200);
      expect(await status.json()).toMatchObject({ storeId: "s1", registerId: r, contiguousSeq: 7, gaps: [], maxSeq: 7 });
    });

    it("moves contiguousSeq batch by batch as a register sends in order, and still sees a gap opened and closed between", async () => {
      const r = nextRegister();
      const e = Object.fromEntries(
        Array.from({ length: 12 }, (_, i) => i + 1).map((seq) => [seq, saleEvent({ registerId: r, seq })]),
      );
      expect((await ingest(r, [e[1], e[2], e[3]])).body.watermark).toEqual({ contiguousSeq: 3, replicatedSeq: 3, gaps: [] });
      // The next seqs, out of order inside the batch.
      expect((await ingest(r, [e[5], e[4], e[6]])).body.watermark).toEqual({ contiguousSeq: 6, replicatedSeq: 6, gaps: [] });
      expect((await ingest(r, [e[9], e[10]])).body.watermark).toEqual({
        contiguousSeq: 6,
        replicatedSeq: 6,
        gaps: [{ from: 7, to: 8 }],
      });
      expect((await ingest(r, [e[7], e[8]])).body.watermark).toEqual({ contiguousSeq: 10, replicatedSeq: 10, gaps: [] });
      // A batch with one duplicate and new seqs: not all stored, so counted from the log.
      expect((await ingest(r, [e[10], e[11], e[12]])).body.watermark).toEqual({ contiguousSeq: 12, replicatedSeq: 12, gaps: [] });
      const status = await testApp(db).get(`/v1/stores/s1/registers/${r}`, TOKENS.s1);
      expect(await status.json()).toMatchObject({ contiguousSeq: 12, maxSeq: 12, gaps: [] });
    });

    it("rejects one invalid event with its reason and still stores the others", async () => {
      const r = nextRegister();
      const good = saleEvent({ registerId: r, seq: 1 });
      const bad = { ...saleEvent({ registerId: r, seq: 2 }), occurredAt: "yesterday" };
      const otherRegister = saleEvent({ registerId: "somewhere-else", seq: 3 });
      const { status, body } = await ingest(r, [good, bad, otherRegister, 42]);
      expect(status).toBe(200);
      expect(body.results.map((x) => [x.status, x.reason])).toEqual([
        ["accepted", undefined],
        ["rejected", "invalid"],
        ["rejected", "wrong_register"],
        ["rejected", "invalid"],
      ]);
      expect(body.results[1]?.detail).toContain("occurredAt");
      expect(await storedCount(r)).toBe(1);
    });

    it("refuses an event holding a card number with 422 semantics, stores it nowhere and never logs the number", async () => {
      const r = nextRegister();
      const t = testApp(db);
      const withPan = saleEvent({ registerId: r, seq: 1 }) as TenderEvent & { payload: { note?: string } };
      withPan.payload.note = `card ${PAN}`;
      const res = await t.post({ storeId: "s1", registerId: r, events: [withPan, saleEvent({ registerId: r, seq: 2 })] });
      const json: unknown = await res.json();
      const body = BatchResponseSchema.parse(json);
      expect(body.results[0]).toMatchObject({ status: "rejected", reason: "pan_detected", httpStatus: 422 });
      expect(body.results[1]?.status).toBe("accepted");
      // The answer as sent, not as parsed: parsing drops fields the schema does not name.
      expect(JSON.stringify(json)).not.toContain("4111");
      const rows = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM records WHERE body LIKE '%4111%'");
      expect(Number(rows[0]?.n)).toBe(0);
      const header = await t.post({ storeId: "s1", registerId: `r-${PAN}`, events: [saleEvent({ registerId: r, seq: 3 })] });
      expect(header.status).toBe(422);
      const garbled = await t.post(`{"storeId":"s1","registerId":"${r}","events":[{"pan":"${PAN}"`);
      expect(garbled.status).toBe(400);
      expect(JSON.stringify(await garbled.json())).not.toContain("4111");
      // In the address too: refused before any route reads it, and never echoed.
      for (const path of [
        `/v1/feed?after=${encodeURIComponent(PAN)}`,
        `/v1/registers/s1/${encodeURIComponent(PAN)}`,
        "/v1/feed?after=٤١١١١١١١١١١١١١١١",
      ]) {
        const res = await t.get(path);
        expect(res.status, path).toBe(422);
        const text = await res.text();
        expect(text).toContain("pan_detected");
        expect(text).not.toMatch(/4111|٤١١١/);
      }
      // Nor are other query values repeated back.
      expect(await (await t.get("/v1/feed?after=12ab34")).text()).not.toContain("12ab34");
      expect(t.logs.length).toBeGreaterThan(0);
      expect(t.logs.join("")).not.toMatch(/4111[ -]?1111/);
    });

    it("reads the feed's own cursor as a cursor even when its dot-joined digits form a card number", async () => {
      // 345678 · 3 · 12345678 is Luhn-valid: refused as a PAN, a consumer could never read past it.
      const res = await testApp(db).get("/v1/feed?after=0a1b2c345678.3.12345678", TOKENS.consumer);
      expect(res.status).not.toBe(422);
      const body = ErrorBodySchema.parse(await res.json());
      expect(body.error).toBe("feed_cursor_stale"); // another epoch than this region's: resume as told
    });

    it("answers 401 without a known token and 403 for another store, storing nothing", async () => {
      const r = nextRegister();
      const events = [saleEvent({ registerId: r, seq: 1 })];
      expect((await ingest(r, events, "")).status).toBe(401);
      expect((await ingest(r, events, "tl_store_not_a_real_token_00000")).status).toBe(401);
      const wrong = await ingest(r, events, TOKENS.s2);
      expect(wrong.status).toBe(403);
      expect(wrong.refusal?.error).toBe("wrong_store");
      // A batch addressed to its own store but carrying another store's event.
      const smuggled = await ingest(r, [saleEvent({ registerId: r, seq: 1, storeId: "s1" })], TOKENS.s2, "s2");
      expect(smuggled.status).toBe(403);
      expect((await ingest(r, events, TOKENS.consumer)).status).toBe(403);
      expect(await storedCount(r)).toBe(0);
      const t = testApp(db);
      expect((await t.get(`/v1/stores/s1/registers/${r}`, TOKENS.s2)).status).toBe(403);
      expect((await t.get(`/v1/stores/s1/registers/${r}`)).status).toBe(401);
      expect((await t.get(`/v1/stores/s1/registers/${r}`, TOKENS.admin)).status).toBe(404);
    });

    it("refuses oversized and malformed bodies with a clear error and stores nothing", async () => {
      const r = nextRegister();
      const t = testApp(db, { bodyLimitBytes: 2048 });
      const big = await t.post({
        storeId: "s1",
        registerId: r,
        events: [1, 2, 3, 4, 5].map((seq) => saleEvent({ registerId: r, seq })),
      });
      expect(big.status).toBe(413);
      expect(await big.json()).toMatchObject({ error: "body_too_large" });
      const notJson = await t.post("{not json");
      expect(notJson.status).toBe(400);
      expect(await notJson.json()).toMatchObject({ error: "malformed_json" });
      const noEvents = await t.post({ storeId: "s1", registerId: r, events: [] });
      expect(noEvents.status).toBe(400);
      expect(ErrorBodySchema.parse(await noEvents.json()).message).toContain("events");
      expect(await storedCount(r)).toBe(0);
    });

    it("serves the feed in ingest order by cursor, to consumer tokens only, with a limit of at most 1000", async () => {
      const r = nextRegister();
      const events = [1, 2, 3, 4, 5].map((seq) => saleEvent({ registerId: r, seq }));
      await ingest(r, events.slice(0, 3));
      await ingest(r, events.slice(3));
      const t = testApp(db);
      expect((await t.get("/v1/feed", TOKENS.s1)).status).toBe(403);
      expect((await t.get("/v1/feed")).status).toBe(401);
      expect((await t.get("/v1/feed?limit=1001", TOKENS.consumer)).status).toBe(400);
      expect((await t.get("/v1/feed?after=-1", TOKENS.consumer)).status).toBe(400);
      const seen: string[] = [];
      let cursor = "0";
      for (;;) {
        const res = await t.get(`/v1/feed?after=${cursor}&limit=2`, TOKENS.consumer);
        const page = EventFeedSchema.parse(await res.json());
        if (page.items.length === 0) break;
        for (const item of page.items) {
          if (item.event.registerId === r) seen.push(item.event.eventId);
          expect(item.reconciliation.state).toBe("pending");
        }
        cursor = page.nextCursor;
      }
      expect(seen).toEqual(events.map((e) => e.eventId));
    });

    it("refuses money that does not add up (totals, short tenders, mixed currencies, refunds), stores none of it and counts it", async () => {
      const r = nextRegister();
      const t = testApp(db);
      const badTotals = saleEvent({ registerId: r, seq: 1 }) as TenderEvent & {
        payload: { totals: { total: { amount: number } } };
      };
      badTotals.payload.totals.total.amount = 1;
      const shortTenders = saleEvent({ registerId: r, seq: 2, cardAmount: 3000, cashAmount: 2000 }) as TenderEvent & {
        payload: { tenders: unknown[] };
      };
      shortTenders.payload.tenders = shortTenders.payload.tenders.slice(0, 1);
      const mixed = saleEvent({ registerId: r, seq: 3 }) as TenderEvent & {
        payload: { tenders: Array<{ amount: { currency: string } }> };
      };
      (mixed.payload.tenders[0] as { amount: { currency: string } }).amount.currency = "EUR";
      const refundInEuros = returnEvent({
        registerId: r,
        seq: 4,
        originalTransactionId: "txn-x",
        tenderId: "t1",
        amount: 500,
      }) as TenderEvent & {
        payload: { allocation: Array<{ amount: { currency: string } }> };
      };
      (refundInEuros.payload.allocation[0] as { amount: { amount: number; currency: string } }).amount = {
        amount: 500,
        currency: "EUR",
      };
      const good = saleEvent({ registerId: r, seq: 5 });
      const res = await t.post({ storeId: "s1", registerId: r, events: [badTotals, shortTenders, mixed, refundInEuros, good] });
      const body = BatchResponseSchema.parse(await res.json());
      expect(body.results.map((x) => [x.status, x.reason])).toEqual([
        ["rejected", "invalid_totals"],
        ["rejected", "invalid_totals"],
        ["rejected", "currency_mismatch"],
        ["rejected", "currency_mismatch"],
        ["accepted", undefined],
      ]);
      expect(body.results[0]?.detail).toBe("payload.totals.total is 1 but the lines add up to 3000");
      expect(body.results[1]?.detail).toContain("tenders' amounts is 3000");
      expect(body.results[3]?.detail).toContain("payload.allocation[0].amount is in EUR");
      expect(await storedCount(r)).toBe(1);
      const text = await (await t.get("/metrics", TOKENS.admin)).text();
      expect(text).toMatch(/tenderline_ingest_events_total\{outcome="rejected",reason="invalid_totals",region="A"\} 2/);
      expect(text).toMatch(/tenderline_ingest_events_total\{outcome="rejected",reason="currency_mismatch",region="A"\} 2/);
    });

    it("a register's credential writes its own register only: another register's batch gets 403 and nothing is stored", async () => {
      const t = testApp(db);
      const own = await ingest("r-own", [saleEvent({ registerId: "r-own", seq: 1 })], TOKENS.register);
      expect(own.status).toBe(200);
      expect(own.body.results[0]?.status).toBe("accepted");
      const other = await ingest("r-victim", [saleEvent({ registerId: "r-victim", seq: 1 })], TOKENS.register);
      expect(other.status).toBe(403);
      expect(other.refusal).toMatchObject({ error: "wrong_register" });
      expect(await storedCount("r-victim")).toBe(0);
      // Another store is refused as before.
      expect(
        (await ingest("r-own", [saleEvent({ storeId: "s2", registerId: "r-own", seq: 1 })], TOKENS.register, "s2")).status,
      ).toBe(403);
      // It reads its own register's status, not a neighbour's.
      expect((await t.get("/v1/stores/s1/registers/r-own", TOKENS.register)).status).toBe(200);
      expect((await t.get("/v1/stores/s1/registers/r-victim", TOKENS.register)).status).toBe(403);
    });

    it("keeps the operator's surfaces to the operator: metrics need an admin token, health tells others only up or down, a store sees its own digest", async () => {
      const t = testApp(db);
      await ingest(nextRegister(), [saleEvent({ registerId: `r-digest-s1`, seq: 1 })]);
      await ingest("r-digest-s2", [saleEvent({ storeId: "s2", registerId: "r-digest-s2", seq: 1 })], TOKENS.s2, "s2");
      expect((await t.get("/metrics")).status).toBe(401);
      expect((await t.get("/metrics", TOKENS.s1)).status).toBe(403);
      expect((await t.get("/metrics", TOKENS.consumer)).status).toBe(403);
      expect((await t.get("/metrics", TOKENS.admin)).status).toBe(200);
      expect(await (await t.get("/v1/health")).json()).toEqual({ region: "A", status: "ok" });
      expect(await (await t.get("/v1/health", TOKENS.s1)).json()).toEqual({ region: "A", status: "ok" });
      expect(await (await t.get("/v1/health", TOKENS.admin)).json()).toMatchObject({ region: "A", status: "ok", database: "ok" });
    });

    it("counts ingest outcomes in the metrics", async () => {
      const r = nextRegister();
      const t = testApp(db);
      const e = saleEvent({ registerId: r, seq: 1 });
      await t.post({ storeId: "s1", registerId: r, events: [e, e, { ...e, seq: 1, occurredAt: "2026-01-01T00:00:00Z" }] });
      const text = await (await t.get("/metrics", TOKENS.admin)).text();
      expect(text).toMatch(/tenderline_ingest_events_total\{outcome="accepted",reason="",region="A"\} 1/);
      expect(text).toMatch(/tenderline_ingest_events_total\{outcome="duplicate",reason="",region="A"\} 1/);
      expect(text).toMatch(/tenderline_ingest_events_total\{outcome="rejected",reason="conflict",region="A"\} 1/);
      expect(text).toMatch(/tenderline_ingest_batch_seconds_count\{region="A"\} 1/);
    });

    it("keeps tokens only as hashes", async () => {
      const rows = await db.query<{ token_hash: string }>("SELECT token_hash FROM tokens");
      expect(rows.length).toBeGreaterThanOrEqual(4);
      for (const token of Object.values(TOKENS)) expect(rows.some((row) => row.token_hash === token)).toBe(false);
    });

    it("answers 500 without details when the database fails, counts it, and stores nothing", async () => {
      const r = nextRegister();
      const t = testApp(db);
      await db.query("ALTER TABLE register_state RENAME TO register_state_away");
      try {
        const res = await t.post({ storeId: "s1", registerId: r, events: [saleEvent({ registerId: r, seq: 1 })] });
        expect(res.status).toBe(500);
        expect(await res.json()).toEqual({ error: "internal", message: "the region could not complete this request; retry it" });
      } finally {
        await db.query("ALTER TABLE register_state_away RENAME TO register_state");
      }
      expect(await (await t.get("/metrics", TOKENS.admin)).text()).toMatch(
        /tenderline_db_errors_total\{operation="POST \/v1\/events\/batch",region="A"\} 1/,
      );
      expect(await storedCount(r)).toBe(0);
    });

    it("stores each event once when two service instances ingest the same batch at the same moment", async () => {
      const r = nextRegister();
      // With PostgreSQL a second pool: another instance's connections. PGlite is one process's
      // database, so there the second instance shares the handle and its transaction queue.
      const other = backend === "postgres" ? await store.open() : db;
      const a = testApp(db);
      const b = testApp(other);
      const events = Array.from({ length: 200 }, (_, i) => saleEvent({ registerId: r, seq: i + 1 }));
      for (let round = 0; round < 3; round++) {
        const slice = events.slice(0, 50 * (round + 2));
        const [ra, rb] = await Promise.all([
          a.post({ storeId: "s1", registerId: r, events: slice }),
          b.post({ storeId: "s1", registerId: r, events: slice }),
        ]);
        const [ba, bb] = [BatchResponseSchema.parse(await ra.json()), BatchResponseSchema.parse(await rb.json())];
        for (const body of [ba, bb]) {
          expect(body.results.every((x) => x.status === "accepted" || x.status === "duplicate")).toBe(true);
          expect(body.watermark).toEqual({ contiguousSeq: slice.length, replicatedSeq: slice.length, gaps: [] });
        }
        // Whatever the interleaving, each event is accepted by at most one instance, and new ones by exactly one.
        const newOnes = round === 0 ? slice : slice.slice(50 * (round + 1));
        for (const e of newOnes) {
          const verdicts = [ba, bb].map((body) => body.results.find((x) => x.eventId === e.eventId)?.status);
          expect(verdicts.sort()).toEqual(["accepted", "duplicate"]);
        }
      }
      expect(await storedCount(r)).toBe(200);
      const positions = await db.query<{ n: number }>(
        "SELECT count(DISTINCT pos)::int AS n FROM records WHERE register_id = $1",
        [r],
      );
      expect(Number(positions[0]?.n)).toBe(200);
    });
  });
}
