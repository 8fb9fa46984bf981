import { describe, expect, it } from "vitest";
import { saleEvent } from "../testing/events.ts";
import { classifyBatch } from "./classify-batch.ts";
import { orderEvent } from "./order-test-region.ts";
import { batchWriterOf, typeRefusal, WRONG_EVENT_TYPE } from "./writer-scope.ts";

describe("who may record which event types", () => {
  it("an order channel records orders only; registers and store tooling record everything but orders", () => {
    expect(batchWriterOf("channel")).toBe("channel");
    expect(batchWriterOf("register")).toBe("register");
    expect(batchWriterOf("store")).toBe("register");
    expect(typeRefusal("channel", "order.completed")).toBeNull();
    expect(typeRefusal("register", "sale.completed")).toBeNull();
    for (const type of [
      "sale.completed",
      "return.completed",
      "exchange.completed",
      "sale.voided",
      "tender.details_updated",
    ] as const) {
      expect(typeRefusal("channel", type)?.reason).toBe(WRONG_EVENT_TYPE);
    }
    expect(typeRefusal("register", "order.completed")?.detail).toContain(
      "only an order channel credential records online orders",
    );
  });

  it("refuses an order whose card was not taken online by the gateway, naming the field", () => {
    const outcome = (event: unknown) => {
      const [result] = classifyBatch("web-1", [event], "channel").results;
      return result ? `${result.status} ${result.reason} ${result.detail ?? ""}` : "accepted";
    };
    expect(outcome(orderEvent({ seq: 1, giftCardAmount: 700 }))).toBe("accepted");
    expect(outcome(orderEvent({ seq: 1, card: { offline: true } }))).toMatch(/^rejected invalid .*tenders\[0\]\.offline/);
    expect(outcome(orderEvent({ seq: 1, card: { entryMode: "manual" } }))).toMatch(/^rejected invalid .*ecommerce/);
    expect(outcome(orderEvent({ seq: 1, card: { authCode: null } }))).toMatch(/^rejected invalid .*authCode/);
  });

  it("classifies a channel's batch: a refused type is refused each time it appears, never a duplicate", () => {
    const sale = saleEvent({ storeId: "online", registerId: "web-1", seq: 1 });
    const order = orderEvent({ seq: 2 });
    const { results, candidates } = classifyBatch("web-1", [sale, order, sale, order], "channel");
    expect(results.map((r) => r && [r.status, r.reason])).toEqual([
      ["rejected", WRONG_EVENT_TYPE],
      undefined,
      ["rejected", WRONG_EVENT_TYPE],
      ["duplicate", undefined],
    ]);
    expect(candidates.map((c) => c.eventId)).toEqual([order.eventId]);
    // By default a batch is a register's: the order is refused.
    expect(classifyBatch("web-1", [order]).results[0]).toMatchObject({ status: "rejected", reason: WRONG_EVENT_TYPE });
  });
});
