import { ErrorBodySchema, RegionApiError, type RegionClient, TenderEventSchema } from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { saleEvent } from "../testing/events.ts";
import { type Backend, type TestStore, testStore } from "../testing/test-databases.ts";
import { type OrderTestRegion, orderEvent, startOrderTestRegion } from "./order-test-region.ts";
import { WRONG_EVENT_TYPE } from "./writer-scope.ts";

const ReconciliationSchema = z.object({ state: z.string(), tenders: z.array(z.unknown()) });

/** Online orders through the batch API: an order channel's credential records them, and only them (orders.test.ts, orders.pg.test.ts). */
export function ordersSuite(backend: Backend): void {
  describe(`online orders from an order channel over ${backend}`, () => {
    let store: TestStore;
    let region: OrderTestRegion;
    let channel: RegionClient;
    let register: RegionClient;
    let storeTool: RegionClient;
    let consumer: RegionClient;
    // Each test numbers its own channel instance, so tests stay independent within one database.
    let instance = 0;
    const channelFor = async (registerId: string) =>
      region.as(
        (
          await region.admin.issueCredential({
            kind: "channel",
            storeId: "online",
            registerId,
            label: `order channel ${registerId}`,
          })
        ).credential,
      );
    const storedCount = async (registerId: string) => {
      const rows = await region.region.db.query<{ n: number }>("SELECT count(*)::int AS n FROM records WHERE register_id = $1", [
        registerId,
      ]);
      return Number(rows[0]?.n);
    };
    /** The refusal a RegionClient call ended in. */
    const refusal = async (call: Promise<unknown>) => {
      const error = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      if (!(error instanceof RegionApiError)) throw new Error(`expected a refusal, got ${String(error)}`);
      return error;
    };

    beforeAll(async () => {
      store = await testStore(backend, "orders");
      region = await startOrderTestRegion(backend, store);
      channel = await channelFor("web-1");
      register = region.as(
        (await region.admin.issueCredential({ kind: "register", storeId: "s1", registerId: "r1" })).credential,
      );
      storeTool = region.as((await region.admin.issueCredential({ kind: "store", storeId: "online" })).credential);
      consumer = region.as((await region.admin.issueCredential({ kind: "consumer" })).credential);
    });
    afterAll(async () => {
      await region?.close();
      await store.cleanup();
    });

    it("accepts an order from its channel, acknowledges a retry as a duplicate and rejects other content under its eventId", async () => {
      const order = orderEvent({ seq: 1, giftCardAmount: 1000 });
      const first = await channel.sendBatch({ storeId: "online", registerId: "web-1", events: [order] });
      expect(first.results).toEqual([{ index: 0, eventId: order.eventId, status: "accepted" }]);
      expect(first.watermark).toEqual({ contiguousSeq: 1, replicatedSeq: 1, gaps: [] });

      const again = await channel.sendBatch({ storeId: "online", registerId: "web-1", events: [order] });
      expect(again.results[0]).toMatchObject({ eventId: order.eventId, status: "duplicate" });

      const altered = { ...order, payload: { ...order.payload, orderId: "W-other" } };
      const conflict = await channel.sendBatch({ storeId: "online", registerId: "web-1", events: [altered] });
      expect(conflict.results[0]).toMatchObject({ eventId: order.eventId, status: "rejected", reason: "conflict" });

      // seq is per (storeId, registerId): another order under seq 1 is a seq conflict.
      const clone = orderEvent({ seq: 1, orderId: "W-clone" });
      const seqConflict = await channel.sendBatch({ storeId: "online", registerId: "web-1", events: [clone] });
      expect(seqConflict.results[0]).toMatchObject({ status: "rejected", reason: "seq_conflict" });

      expect(await storedCount("web-1")).toBe(1);
      const [row] = await region.region.db.query<{ body: string; event_type: string }>(
        "SELECT body, event_type FROM records WHERE record_id = $1",
        [order.eventId],
      );
      expect(row?.event_type).toBe("order.completed");
      expect(TenderEventSchema.parse(JSON.parse(row?.body ?? "{}")).payload).toMatchObject({ orderId: "W-web-1-1" });
    });

    it("rejects any other event type from a channel, per event, and stores the orders beside it", async () => {
      const r = `web-scope-${++instance}`;
      const own = await channelFor(r);
      const sale = saleEvent({ storeId: "online", registerId: r, seq: 1 });
      const order = orderEvent({ registerId: r, seq: 2 });
      // The refused sale twice in one batch: both refused, the second is no "duplicate" of something stored.
      const res = await own.sendBatch({ storeId: "online", registerId: r, events: [sale, order, sale] });
      expect(res.results.map((x) => [x.status, x.reason])).toEqual([
        ["rejected", WRONG_EVENT_TYPE],
        ["accepted", undefined],
        ["rejected", WRONG_EVENT_TYPE],
      ]);
      expect(res.results[0]?.detail).toContain("records only order.completed");
      expect(res.watermark).toEqual({ contiguousSeq: 0, replicatedSeq: 0, gaps: [{ from: 1, to: 1 }] });
      expect(await storedCount(r)).toBe(1);
    });

    it("refuses order.completed from a register's or a store's credential: only an order channel records online orders", async () => {
      const fromRegister = await register.sendBatch({
        storeId: "s1",
        registerId: "r1",
        events: [orderEvent({ storeId: "s1", registerId: "r1", seq: 1 }), saleEvent({ storeId: "s1", registerId: "r1", seq: 2 })],
      });
      expect(fromRegister.results.map((x) => [x.status, x.reason])).toEqual([
        ["rejected", WRONG_EVENT_TYPE],
        ["accepted", undefined],
      ]);
      expect(fromRegister.results[0]?.detail).toContain("only an order channel credential records online orders");
      const fromStore = await storeTool.sendBatch({
        storeId: "online",
        registerId: "web-store-tool",
        events: [orderEvent({ registerId: "web-store-tool", seq: 1 })],
      });
      expect(fromStore.results[0]).toMatchObject({ status: "rejected", reason: WRONG_EVENT_TYPE });
      expect(await storedCount("web-store-tool")).toBe(0);
    });

    it("a channel's credential writes its own channel instance only: another instance or store gets 403, nothing stored", async () => {
      const other = await refusal(
        channel.sendBatch({ storeId: "online", registerId: "web-2", events: [orderEvent({ registerId: "web-2", seq: 1 })] }),
      );
      expect(other).toMatchObject({ status: 403, code: "wrong_register" });
      expect(other.detail).toContain("channel web-1 of store online");
      const otherStore = await refusal(
        channel.sendBatch({ storeId: "s1", registerId: "web-1", events: [orderEvent({ storeId: "s1", seq: 1 })] }),
      );
      expect(otherStore).toMatchObject({ status: 403, code: "wrong_store" });
      expect(await storedCount("web-2")).toBe(0);
      // Nor is it a register's or an operator's: the feed and the exceptions are not for it.
      expect(await refusal(channel.feedPage())).toMatchObject({ status: 403, code: "forbidden" });
      const digest = await channel.digest();
      expect(digest.registers.every((r) => r.storeId === "online")).toBe(true);
    });

    it("rejects an order whose card was not taken online with the processor's references, or whose money does not add up", async () => {
      const r = `web-rules-${++instance}`;
      const own = await channelFor(r);
      const bad = [
        orderEvent({ registerId: r, seq: 1, card: { offline: true, authCode: null, processorRef: null } }),
        orderEvent({ registerId: r, seq: 2, card: { entryMode: "chip" } }),
        orderEvent({ registerId: r, seq: 3, card: { processorRef: null } }),
      ];
      const short = orderEvent({ registerId: r, seq: 4 }) as ReturnType<typeof orderEvent> & {
        payload: { totals: { total: { amount: number } } };
      };
      short.payload.totals.total.amount = 1;
      const res = await own.sendBatch({ storeId: "online", registerId: r, events: [...bad, short] });
      expect(res.results.map((x) => [x.status, x.reason])).toEqual([
        ["rejected", "invalid"],
        ["rejected", "invalid"],
        ["rejected", "invalid"],
        ["rejected", "invalid_totals"],
      ]);
      expect(res.results[0]?.detail).toContain("offline");
      expect(res.results[1]?.detail).toContain("entryMode must be ecommerce");
      expect(res.results[2]?.detail).toContain("processorRef");
      expect(await storedCount(r)).toBe(0);
    });

    it("puts orders on the feed like any event, with no reconciliation work (their cards are not offline)", async () => {
      const r = `web-feed-${++instance}`;
      const own = await channelFor(r);
      const orders = [1, 2].map((seq) => orderEvent({ registerId: r, seq }));
      await own.sendBatch({ storeId: "online", registerId: r, events: orders });
      const items = (await consumer.wholeFeed()).filter(
        (item) => z.looseObject({ registerId: z.string() }).safeParse(item.event).data?.registerId === r,
      );
      expect(items.map((item) => TenderEventSchema.parse(item.event).eventId)).toEqual(orders.map((o) => o.eventId));
      for (const item of items) {
        expect(TenderEventSchema.parse(item.event).type).toBe("order.completed");
        expect(ReconciliationSchema.parse(item.reconciliation)).toEqual({ state: "not_required", tenders: [] });
      }
    });

    it("a revoked channel credential is refused with 401 and the reason; its rotation's replacement keeps recording orders", async () => {
      const r = `web-rotate-${++instance}`;
      const issued = await region.admin.issueCredential({ kind: "channel", storeId: "online", registerId: r });
      const old = region.as(issued.credential);
      expect(
        (await old.sendBatch({ storeId: "online", registerId: r, events: [orderEvent({ registerId: r, seq: 1 })] })).results[0],
      ).toMatchObject({ status: "accepted" });
      const rotated = await region.admin.rotateCredential(issued.record.id, 0);
      expect(rotated.record).toMatchObject({ kind: "channel", storeId: "online", registerId: r });
      const fresh = region.as(rotated.credential);
      const next = await fresh.sendBatch({ storeId: "online", registerId: r, events: [orderEvent({ registerId: r, seq: 2 })] });
      expect(next.watermark.contiguousSeq).toBe(2);
      const ended = await refusal(
        old.sendBatch({ storeId: "online", registerId: r, events: [orderEvent({ registerId: r, seq: 3 })] }),
      );
      expect(ended.status).toBe(401);
      await region.admin.revokeCredential(rotated.record.id);
      const revoked = await refusal(
        fresh.sendBatch({ storeId: "online", registerId: r, events: [orderEvent({ registerId: r, seq: 3 })] }),
      );
      expect(revoked.status).toBe(401);
      expect(revoked.detail).toContain("revoked");
      expect(await storedCount(r)).toBe(2);
    });

    it("answers a channel batch's refusals in the region's error body", async () => {
      const res = await fetch(`${region.url}/v1/events/batch`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ storeId: "online", registerId: "web-1", events: [orderEvent({ seq: 9 })] }),
      });
      expect(res.status).toBe(401);
      expect(ErrorBodySchema.parse(await res.json()).error).toBe("unauthorized");
    });
  });
}
