import {
  ExchangeRecordedSchema,
  ReceiptViewSchema,
  ReturnRecordedSchema,
  SaleCompletedSchema,
  SaleRecordedSchema,
  TenderEventSchema,
} from "@tenderline/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { allocationPairs, card, cash, line, post, sampleSale, testAgent, usd } from "../testing/fixtures.ts";

type TestAgent = ReturnType<typeof testAgent>;

function tenderRows(agent: TestAgent, transactionId: string) {
  return (agent.ledger.get(transactionId)?.tenders ?? []).map((t) => ({ type: t.type, amount: t.amount, refunded: t.refunded }));
}

function lineRows(agent: TestAgent, transactionId: string) {
  return (agent.ledger.get(transactionId)?.lines ?? []).map((l) => ({ sku: l.sku, quantity: l.quantity, returned: l.returned }));
}

/** Refund rows the ledger holds against an original, per tender. */
function refundRows(agent: TestAgent, originalId: string) {
  return agent.db
    .prepare("SELECT tender_id AS tenderId, amount FROM refunds WHERE original_transaction_id = ? ORDER BY rowid")
    .all(originalId) as Array<{ tenderId: string; amount: number }>;
}

function outboxEvents(agent: TestAgent) {
  return (agent.db.prepare("SELECT seq, body FROM outbox ORDER BY seq").all() as Array<{ seq: number; body: string }>).map(
    (r) => ({
      seq: r.seq,
      event: JSON.parse(r.body),
    }),
  );
}

describe("register flows against the local ledger", () => {
  let agent: TestAgent;
  beforeEach(() => {
    agent = testAgent();
  });
  afterEach(async () => {
    await agent.done();
  });

  it("records a split-tender sale as one valid event plus ledger rows", async () => {
    const res = await post(agent.app, "/api/v1/sales", sampleSale());
    expect(res.status).toBe(201);
    const recorded = res.parse(SaleRecordedSchema);
    expect(recorded.seq).toBe(1);
    expect(recorded.totals.total).toEqual(usd(6378));
    expect(recorded.change).toEqual(usd(622));
    const [row] = outboxEvents(agent);
    const event = TenderEventSchema.parse(row?.event);
    expect(event).toMatchObject({
      seq: 1,
      type: "sale.completed",
      storeId: "store-1",
      registerId: "reg-1",
      eventId: recorded.eventId,
    });
    expect(tenderRows(agent, recorded.transactionId)).toEqual([
      { type: "card", amount: 3000, refunded: 0 },
      { type: "cash", amount: 3378, refunded: 0 },
    ]);
    const receipt = await agent.app.request(`/api/v1/transactions/${recorded.transactionId}`);
    expect(receipt.status).toBe(200);
    const view = ReceiptViewSchema.parse(await receipt.json());
    expect(SaleCompletedSchema.parse(view.receipt).totals.total).toEqual(usd(6378));
    expect(view.lines.map((l) => l.returnable)).toEqual([2, 1, 1]);
  });

  it("refuses tenders that do not cover the total and records nothing", async () => {
    const sale = { ...sampleSale(), tenders: [cash(100)] };
    const res = await post(agent.app, "/api/v1/sales", sale);
    expect(res.status).toBe(422);
    expect(res.error().error).toBe("tenders_short");
    expect(agent.db.prepare("SELECT COUNT(*) AS n FROM outbox").get()).toEqual({ n: 0 });
    expect(agent.db.prepare("SELECT COUNT(*) AS n FROM transactions").get()).toEqual({ n: 0 });
  });

  it("partial return, then the rest, then an over-return is refused", async () => {
    const sale = await post(agent.app, "/api/v1/sales", sampleSale());
    const tx = sale.parse(SaleRecordedSchema).transactionId;
    // One of the two tees: 1999 + half the 330 tax (floor) = 2164, card first.
    const first = await post(agent.app, "/api/v1/returns", {
      cashierId: "c-17",
      items: [{ transactionId: tx, sku: "TEE-M-BLK", quantity: 1 }],
      reason: "too small",
    });
    expect(first.status).toBe(201);
    const firstRecorded = first.parse(ReturnRecordedSchema);
    expect(firstRecorded.refund).toEqual(usd(2164));
    expect(firstRecorded.allocation).toEqual([
      { originalTransactionId: tx, tenderId: expect.any(String), tenderType: "card", amount: usd(2164) },
    ]);
    expect(tenderRows(agent, tx)).toEqual([
      { type: "card", amount: 3000, refunded: 2164 },
      { type: "cash", amount: 3378, refunded: 0 },
    ]);

    const rest = await post(agent.app, "/api/v1/returns", {
      cashierId: "c-17",
      items: [
        { transactionId: tx, sku: "TEE-M-BLK", quantity: 1 },
        { transactionId: tx, sku: "MUG-01", quantity: 1 },
        { transactionId: tx, sku: "SOCK-3P", quantity: 1 },
      ],
      reason: "changed mind",
    });
    expect(rest.status).toBe(201);
    // Everything else: 6378 - 2164; the card's remaining 836 first, then cash.
    const restRecorded = rest.parse(ReturnRecordedSchema);
    expect(restRecorded.refund).toEqual(usd(4214));
    expect(allocationPairs(restRecorded)).toEqual([
      ["card", 836],
      ["cash", 3378],
    ]);
    expect(tenderRows(agent, tx)).toEqual([
      { type: "card", amount: 3000, refunded: 3000 },
      { type: "cash", amount: 3378, refunded: 3378 },
    ]);
    expect(lineRows(agent, tx).map((l) => l.returned)).toEqual([2, 1, 1]);
    expect(refundRows(agent, tx).map((r) => r.amount)).toEqual([2164, 836, 3378]);

    const again = await post(agent.app, "/api/v1/returns", {
      cashierId: "c-17",
      items: [{ transactionId: tx, sku: "MUG-01", quantity: 1 }],
      reason: "again",
    });
    expect(again.status).toBe(422);
    expect(again.error().error).toBe("over_return");
    expect(agent.db.prepare("SELECT COUNT(*) AS n FROM outbox").get()).toEqual({ n: 3 });
    expect(tenderRows(agent, tx).map((t) => t.refunded)).toEqual([3000, 3378]);
  });

  it("returns items from two orders in one return, each refunded to its own tenders", async () => {
    const a = await post(agent.app, "/api/v1/sales", {
      cashierId: "c1",
      lines: [line("A", 1, 1000, 100)],
      tenders: [card(1100, { authCode: "X1" })],
    });
    const b = await post(agent.app, "/api/v1/sales", { cashierId: "c1", lines: [line("B", 2, 500, 50)], tenders: [cash(1050)] });
    const aId = a.parse(SaleRecordedSchema).transactionId;
    const bId = b.parse(SaleRecordedSchema).transactionId;
    const res = await post(agent.app, "/api/v1/returns", {
      cashierId: "c1",
      items: [
        { transactionId: aId, sku: "A", quantity: 1 },
        { transactionId: bId, sku: "B", quantity: 1 },
      ],
      reason: "both",
    });
    expect(res.status).toBe(201);
    const recorded = res.parse(ReturnRecordedSchema);
    expect(recorded.refund).toEqual(usd(1100 + 525));
    expect(recorded.allocation.map((x) => [x.originalTransactionId, x.tenderType, x.amount.amount])).toEqual([
      [aId, "card", 1100],
      [bId, "cash", 525],
    ]);
    expect(tenderRows(agent, aId)[0]?.refunded).toBe(1100);
    expect(tenderRows(agent, bId)[0]?.refunded).toBe(525);
    const event = TenderEventSchema.parse(outboxEvents(agent)[2]?.event);
    expect(event.type).toBe("return.completed");
  });

  it("records an unverified return to store credit when the original is not on this register", async () => {
    const missing = await post(agent.app, "/api/v1/returns", {
      cashierId: "c1",
      items: [{ transactionId: "elsewhere-1", sku: "A", quantity: 2 }],
      reason: "no receipt",
    });
    expect(missing.status).toBe(422);
    expect(missing.error().message).toContain("items[0].unitPrice");

    // The declared price is part of the request's schema: checked like every other field.
    const negative = await post(agent.app, "/api/v1/returns", {
      cashierId: "c1",
      items: [{ transactionId: "elsewhere-1", sku: "A", quantity: 2, unitPrice: usd(-5) }],
      reason: "no receipt",
    });
    expect(negative.status).toBe(400);
    expect(JSON.stringify(negative.body)).toContain("items[0].unitPrice.amount");
    expect(outboxEvents(agent)).toHaveLength(0);

    const res = await post(agent.app, "/api/v1/returns", {
      cashierId: "c1",
      items: [{ transactionId: "elsewhere-1", sku: "A", quantity: 2, unitPrice: usd(1080) }],
      reason: "no receipt",
    });
    expect(res.status).toBe(201);
    const recorded = res.parse(ReturnRecordedSchema);
    expect(recorded.verified).toBe(false);
    expect(recorded.storeCredit?.amount).toEqual(usd(2160));
    expect(recorded.allocation).toEqual([]);
    const event = TenderEventSchema.parse(outboxEvents(agent)[0]?.event);
    expect(event.payload).toMatchObject({ verified: false, storeCredit: { amount: usd(2160) } });
  });

  it("exchanges: customer pays the difference, or gets the rest back on the original tenders", async () => {
    const sale = await post(agent.app, "/api/v1/sales", {
      cashierId: "c1",
      lines: [line("SHOE-9", 1, 5000, 400), line("SHOE-10", 1, 5000, 400)],
      tenders: [card(10800, { authCode: "OK" })],
    });
    const tx = sale.parse(SaleRecordedSchema).transactionId;
    const up = await post(agent.app, "/api/v1/exchanges", {
      cashierId: "c1",
      returnItems: [{ transactionId: tx, sku: "SHOE-9", quantity: 1 }],
      lines: [line("BOOT-9", 1, 7000, 560)],
      tenders: [cash(2160, 2200)],
    });
    expect(up.status).toBe(201);
    const upRecorded = up.parse(ExchangeRecordedSchema);
    expect(upRecorded.returnedValue).toEqual(usd(5400));
    expect(upRecorded.net).toEqual(usd(2160));
    expect(upRecorded.change).toEqual(usd(40));
    expect(upRecorded.allocation).toEqual([]);
    expect(lineRows(agent, tx).map((l) => l.returned)).toEqual([1, 0]);
    expect(tenderRows(agent, tx)[0]?.refunded).toBe(0);

    const down = await post(agent.app, "/api/v1/exchanges", {
      cashierId: "c1",
      returnItems: [{ transactionId: tx, sku: "SHOE-10", quantity: 1 }],
      lines: [line("SOCKS", 1, 1000, 80)],
    });
    expect(down.status).toBe(201);
    const downRecorded = down.parse(ExchangeRecordedSchema);
    expect(downRecorded.net).toEqual(usd(1080 - 5400));
    expect(allocationPairs(downRecorded)).toEqual([["card", 4320]]);
    expect(tenderRows(agent, tx)[0]?.refunded).toBe(4320);
    expect(lineRows(agent, tx).map((l) => l.returned)).toEqual([1, 1]);
    for (const { event } of outboxEvents(agent)) expect(TenderEventSchema.safeParse(event).success).toBe(true);

    // The boots from the exchange can be returned; the exchanged value comes back as store credit, the cash paid as cash.
    const back = await post(agent.app, "/api/v1/returns", {
      cashierId: "c1",
      items: [{ transactionId: upRecorded.transactionId, sku: "BOOT-9", quantity: 1 }],
      reason: "no",
    });
    expect(back.status).toBe(201);
    const backRecorded = back.parse(ReturnRecordedSchema);
    expect(backRecorded.refund).toEqual(usd(7560));
    expect(allocationPairs(backRecorded)).toEqual([
      ["store_credit", 5400],
      ["cash", 2160],
    ]);

    const nothingLeft = await post(agent.app, "/api/v1/exchanges", {
      cashierId: "c1",
      returnItems: [{ transactionId: tx, sku: "SHOE-10", quantity: 1 }],
      lines: [line("SOCKS", 1, 1000, 80)],
    });
    expect(nothingLeft.status).toBe(422);
    expect(nothingLeft.error().error).toBe("over_return");
  });

  it("an Idempotency-Key retry gets the first answer and records once; another body with that key is refused", async () => {
    const headers = { "Idempotency-Key": "reg-1-checkout-42" };
    const sale = sampleSale();
    const first = await post(agent.app, "/api/v1/sales", sale, headers);
    expect(first.status).toBe(201);
    const retry = await post(agent.app, "/api/v1/sales", sale, headers);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body).toEqual(first.body);
    expect(agent.db.prepare("SELECT COUNT(*) AS n FROM outbox").get()).toEqual({ n: 1 });
    expect(agent.db.prepare("SELECT COUNT(*) AS n FROM transactions").get()).toEqual({ n: 1 });

    const other = await post(agent.app, "/api/v1/sales", { ...sale, cashierId: "c-99" }, headers);
    expect(other.status).toBe(409);
    expect(other.error().error).toBe("idempotency_conflict");
    expect(agent.db.prepare("SELECT COUNT(*) AS n FROM outbox").get()).toEqual({ n: 1 });

    const firstId = first.parse(SaleRecordedSchema).transactionId;
    const ret = {
      cashierId: "c-17",
      items: [{ transactionId: firstId, sku: "MUG-01", quantity: 1 }],
      reason: "r",
    };
    const r1 = await post(agent.app, "/api/v1/returns", ret, { "Idempotency-Key": "ret-1" });
    const r2 = await post(agent.app, "/api/v1/returns", ret, { "Idempotency-Key": "ret-1" });
    expect(r2.body).toEqual(r1.body);
    expect(lineRows(agent, firstId)[1]?.returned).toBe(1);
  });
});
