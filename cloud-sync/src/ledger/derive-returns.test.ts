import { canonicalJson, receiptNumber } from "@tenderline/shared";
import { describe, expect, it } from "vitest";
import { order, returned, sale } from "../returns/test-events.ts";
import { exchangeEvent } from "../testing/events.ts";
import { deriveFromLog, type LogRow } from "./derive.ts";

const row = (pos: number, body: unknown): LogRow => ({
  pos,
  record_id: `00000000-0000-7000-8000-${String(pos).padStart(12, "0")}`,
  kind: "event",
  store_id: "s1",
  body: canonicalJson(body),
});

describe("deriveFromLog: returnable originals", () => {
  it("keeps every sale, exchange and online order as an original, its tenders masked", () => {
    const s = sale({ seq: 7, transactionId: "S", lines: [{ sku: "A", quantity: 2, unitPrice: 1000, tax: 150 }], giftCard: 500 });
    const o = order({ seq: 1, transactionId: "O", lines: [{ sku: "SHIP", quantity: 1, unitPrice: 500 }] });
    const x = exchangeEvent({
      storeId: "s2",
      registerId: "r9",
      seq: 3,
      transactionId: "X",
      originalTransactionId: "S",
      returnedValue: 1075,
      newTotal: 2000,
    });
    const d = deriveFromLog([row(1, s), row(2, o), row(3, x)], ["A"]);
    expect(d.originals.map((r) => [r.transactionId, r.kind, r.storeId, r.registerId, r.channel, r.receiptNumber])).toEqual([
      ["S", "sale", "s1", "r1", null, receiptNumber("s1", "r1", 7)],
      ["O", "order", "online", "web-1", "web", receiptNumber("online", "web-1", 1)],
      ["X", "exchange", "s2", "r9", null, null],
    ]);
    const [first] = d.originals;
    expect(first?.lines).toEqual([
      { lineNo: 0, sku: "A", description: "A item", quantity: 2, unitPrice: 1000, tax: 150, currency: "USD" },
    ]);
    expect(first?.tenders).toEqual([
      {
        tenderNo: 0,
        tenderId: "S-t1",
        type: "card",
        amount: 1650,
        currency: "USD",
        card: { brand: "visa", last4: "4242", token: "tok_ret_1", processorRef: "PR-S" },
        giftCardLast4: null,
      },
      { tenderNo: 1, tenderId: "S-t2", type: "gift_card", amount: 500, currency: "USD", card: null, giftCardLast4: "9876" },
    ]);
    // Never a gift card's token, never a terminal id or auth code.
    expect(JSON.stringify(d.originals)).not.toMatch(/gift_tok_secret|T-S|A1"/);
    // The exchange's new lines are its original; the returned value that paid for them is refundable store credit.
    expect(d.originals[2]?.lines.map((l) => l.sku)).toEqual(["TEE-L-BLK"]);
    expect(d.originals[2]?.tenders.map((t) => [t.tenderId, t.type, t.amount])).toEqual([
      ["X:exchange-credit", "store_credit", 1075],
      ["X-t1", "cash", 925],
    ]);
    // An online order's card tender reaches sale_tenders, so over_refund covers it.
    expect(d.saleTenders.filter((t) => t.transactionId === "O").map((t) => t.tenderId)).toEqual(["O-t1"]);
    // The exchange took back one unit of S.
    expect(d.returnedUnits.map((u) => [u.originalRef, u.sku, u.quantity])).toEqual([["S", "TEE-M-BLK", 1]]);
  });

  it("records returned units of every return, and unverified returns with their manager", () => {
    const verified = returned({
      seq: 4,
      transactionId: "R1",
      items: [{ original: "S", sku: "A", quantity: 1, refund: 1075 }],
      allocation: [{ original: "S", tenderId: "S-t1", amount: 1075 }],
    });
    const unverified = returned({
      storeId: "s2",
      registerId: "r3",
      seq: 9,
      transactionId: "R2",
      items: [{ original: "s1-r1-7-x", sku: "A", quantity: 1, refund: 1075 }],
      verified: false,
      managerId: "m-1",
    });
    const d = deriveFromLog([row(1, verified), row(2, unverified)], ["A"]);
    expect(d.originals).toEqual([]);
    expect(d.returnedUnits.map((u) => [u.returnEventId, u.originalRef, u.originalNorm, u.quantity])).toEqual([
      [verified.eventId, "S", "S", 1],
      [unverified.eventId, "s1-r1-7-x", "S1-R1-7-X", 1],
    ]);
    expect(d.unverifiedReturns).toEqual([
      {
        returnEventId: unverified.eventId,
        transactionId: "R2",
        storeId: "s2",
        registerId: "r3",
        occurredAt: unverified.occurredAt,
        refund: 1075,
        currency: "USD",
        approvedBy: "m-1",
        items: [
          {
            itemNo: 0,
            originalRef: "s1-r1-7-x",
            originalNorm: "S1-R1-7-X",
            sku: "A",
            quantity: 1,
            refund: 1075,
            currency: "USD",
          },
        ],
      },
    ]);
    expect(d.refundLines.map((l) => l.returnEventId)).toEqual([verified.eventId]);
  });

  it("learns processor references the register sends later", () => {
    const details = {
      eventId: "0190aaaa-0000-7000-8000-000000000001",
      storeId: "s1",
      registerId: "r1",
      seq: 2,
      type: "tender.details_updated",
      occurredAt: "2026-11-26T09:31:00.000Z",
      schemaVersion: 1,
      payload: { transactionId: "S", tenderId: "S-t1", authCode: "A9", processorRef: "PR-9", source: "terminal" },
    };
    expect(deriveFromLog([row(1, details)], ["A"]).processorRefs).toEqual([
      { transactionId: "S", tenderId: "S-t1", processorRef: "PR-9" },
    ]);
  });
});
