import { generateStoredValueKeys, type TenderEvent } from "@tenderline/shared";
import { describe, expect, it } from "vitest";
import type { LogRow } from "../ledger/derive.ts";
import { deriveStoredValue } from "./derive-stored-value.ts";
import { newCard, resolver, svCreditReturn, svRefund, svSale, svTenderId } from "./test-events.ts";

const row = (e: TenderEvent, pos = 1): LogRow => ({
  pos,
  record_id: e.eventId,
  kind: "event",
  store_id: e.storeId,
  body: JSON.stringify(e),
});
const usd = (amount: number) => ({ amount, currency: "USD" });

describe("stored-value entries derived from the log", () => {
  it("a gift card sale line issues or loads price × quantity, under the token its sealed number names", () => {
    const card = newCard();
    const sale = svSale({
      activate: [
        { card, amount: 2500 },
        { card, amount: 1000, action: "load", byToken: true },
      ],
    });
    const d = deriveStoredValue([row(sale)], resolver);
    expect(d.exceptions).toEqual([]);
    expect(d.entries.map((e) => [e.entryId, e.kind, e.token, e.amount, e.last4, e.accountKind])).toEqual([
      [`${sale.eventId}:line:0`, "issue", card.token, 2500, card.last4, "gift_card"],
      [`${sale.eventId}:line:1`, "load", card.token, 1000, card.last4, "gift_card"],
    ]);
    expect(JSON.stringify(d)).not.toContain(card.number);
  });

  it("a gift card or store credit tender redeems (online with its hold, offline sealed); cash and cards make nothing", () => {
    const gift = newCard();
    const credit = newCard("store_credit");
    const sale = svSale({
      goods: 5000,
      tenders: [
        { type: "gift_card", amount: 1000, card: gift, online: { holdId: "H1" } },
        { type: "gift_card", amount: 500, card: gift },
        { type: "store_credit", amount: 700, card: credit },
        { type: "store_credit", amount: 300, card: credit, online: { holdId: "H2" } },
      ],
    });
    const d = deriveStoredValue([row(sale)], resolver);
    expect(d.entries.map((e) => [e.kind, e.token, e.amount, e.online, e.holdId, e.tenderId])).toEqual([
      ["redeem", gift.token, -1000, true, "H1", svTenderId(sale, 0)],
      ["redeem", gift.token, -500, false, null, svTenderId(sale, 1)],
      ["redeem", credit.token, -700, false, null, svTenderId(sale, 2)],
      ["redeem", credit.token, -300, true, "H2", svTenderId(sale, 3)],
    ]);
  });

  it("a return's allocation to a stored-value tender is a refund waiting for its account; its store credit an issue", () => {
    const credit = newCard("store_credit");
    const refund = svRefund({ originalTransactionId: "S-1", tenderId: "S-1-sv1", tenderType: "gift_card", amount: 800 });
    const issued = svCreditReturn({ card: credit, amount: 1200 });
    const d = deriveStoredValue([row(refund, 1), row(issued, 2)], resolver);
    expect(d.refunds).toEqual([
      expect.objectContaining({
        entryId: `${refund.eventId}:refund:0`,
        originalTransactionId: "S-1",
        tenderId: "S-1-sv1",
        amount: 800,
      }),
    ]);
    expect(d.entries).toEqual([
      expect.objectContaining({
        entryId: `${issued.eventId}:credit`,
        kind: "issue",
        token: credit.token,
        accountKind: "store_credit",
        amount: 1200,
      }),
    ]);
  });

  it("a slice the customer took as store credit goes to the new credit, not back to the gift card it came from; an exchange's credit issues too", () => {
    const credit = newCard("store_credit");
    const base = svRefund({ originalTransactionId: "S-2", tenderId: "S-2-sv1", tenderType: "gift_card", amount: 900 });
    const p = base.payload as Record<string, unknown> & { allocation: Array<Record<string, unknown>> };
    const asCredit = {
      ...base,
      payload: {
        ...p,
        allocation: p.allocation.map((a) => ({ ...a, paidAs: "store_credit" })),
        storeCredit: { creditId: "sc-1", amount: usd(900), last4: credit.last4, sealed: credit.sealed() },
      },
    };
    const exchangeCredit = newCard("store_credit");
    const exchange = {
      ...base,
      eventId: `${base.eventId.slice(0, -2)}ee`,
      type: "exchange.completed",
      payload: {
        transactionId: "X-1",
        allocation: [],
        storeCredit: { creditId: "sc-2", amount: usd(400), last4: exchangeCredit.last4, sealed: exchangeCredit.sealed() },
      },
    } as unknown as TenderEvent;
    const d = deriveStoredValue([row(asCredit as TenderEvent, 1), row(exchange, 2)], resolver);
    expect(d.refunds).toEqual([]);
    expect(d.entries.map((e) => [e.kind, e.token, e.amount, e.accountKind])).toEqual([
      ["issue", credit.token, 900, "store_credit"],
      ["issue", exchangeCredit.token, 400, "store_credit"],
    ]);
  });

  it("old events are accounted under their token or credit id as they are", () => {
    const legacy = {
      eventId: "0192f000-0000-7000-8000-000000000001",
      storeId: "s1",
      registerId: "r1",
      seq: 1,
      type: "sale.completed",
      occurredAt: "2026-01-01T00:00:00.000Z",
      schemaVersion: 1,
      payload: {
        transactionId: "OLD-1",
        lines: [{ sku: "X", quantity: 1, unitPrice: usd(900), tax: usd(0) }],
        tenders: [
          { tenderId: "OLD-1-t1", type: "gift_card", amount: usd(400), giftCard: { token: "gift_tok_legacy", last4: "9876" } },
          { tenderId: "OLD-1-t2", type: "store_credit", amount: usd(500), creditId: "sc-old-7" },
        ],
      },
    } as unknown as TenderEvent;
    const d = deriveStoredValue([row(legacy)], null);
    expect(d.entries.map((e) => [e.token, e.amount, e.last4])).toEqual([
      ["gift_tok_legacy", -400, "9876"],
      ["sc-old-7", -500, ""],
    ]);
  });

  it("a sealed number that will not open (another key, or no keys) makes an exception and no entry", () => {
    const foreign = newCard("gift_card", generateStoredValueKeys());
    const sale = svSale({ goods: 100, tenders: [{ type: "gift_card", amount: 100, card: foreign }] });
    for (const resolve of [resolver, null]) {
      const d = deriveStoredValue([row(sale)], resolve);
      expect(d.entries).toEqual([]);
      expect(d.exceptions).toEqual([
        expect.objectContaining({
          key: `stored_value_unreadable:${sale.eventId}:tender:${svTenderId(sale)}`,
          kind: "stored_value_unreadable",
        }),
      ]);
    }
  });

  it("the same event twice gives the same entry ids (stored once)", () => {
    const card = newCard();
    const sale = svSale({ activate: [{ card, amount: 100 }] });
    const d = deriveStoredValue([row(sale, 1), row(sale, 2)], resolver);
    expect(new Set(d.entries.map((e) => e.entryId)).size).toBe(1);
  });
});
