import { describe, expect, it } from "vitest";
import { checkRefunds, checkTenderRefunds, describeOverRefund } from "./refund-checks.ts";
import type { FeedEventItem } from "./region-reader.ts";

const usd = (amount: number) => ({ amount, currency: "USD" });
let cursor = 0;

function item(registerId: string, seq: number, type: string, payload: Record<string, unknown>): FeedEventItem {
  cursor++;
  return {
    cursor: String(cursor),
    region: "A",
    originRegion: "A",
    kind: "event",
    ingestedAt: new Date(0).toISOString(),
    event: { eventId: `e-${cursor}`, storeId: "s1", registerId, seq, type, occurredAt: new Date(0).toISOString(), payload },
    reconciliation: null,
  };
}

const sale = (registerId: string, seq: number, transactionId: string, type = "sale.completed") =>
  item(registerId, seq, type, {
    transactionId,
    cashierId: "c1",
    lines: [{ sku: "A", description: "", quantity: 2, unitPrice: usd(1000), tax: usd(0) }],
    tenders: [{ tenderId: "t1", type: "cash", amount: usd(2000) }],
    totals: { subtotal: usd(2000), tax: usd(0), total: usd(2000) },
    ...(type === "order.completed" ? { orderId: "W1", channel: "web" } : {}),
  });

const refund = (registerId: string, seq: number, original: string, amount: number, verifiedBy?: "cloud") =>
  item(registerId, seq, "return.completed", {
    transactionId: `ret-${registerId}-${seq}`,
    cashierId: "c1",
    reason: "r",
    items: [{ originalTransactionId: original, sku: "A", quantity: 1, refund: usd(amount) }],
    refund: usd(amount),
    allocation: [{ originalTransactionId: original, tenderId: "t1", tenderType: "cash", amount: usd(amount) }],
    verified: true,
    ...(verifiedBy ? { verifiedBy } : {}),
  });

describe("the drill's refund checks", () => {
  it("pass refunds of one sale made at two registers and an online order returned in a store, within what was paid", () => {
    const feed = [
      sale("r1", 1, "T1"),
      refund("r1", 2, "T1", 1000),
      refund("r2", 1, "T1", 1000, "cloud"),
      sale("web-1", 1, "O1", "order.completed"),
      refund("r2", 2, "O1", 1000, "cloud"),
    ];
    expect(checkTenderRefunds(feed)).toEqual({ tenders: 2, overRefunded: [] });
    expect(checkRefunds(feed)).toEqual([]);
  });

  it("name a tender refunded more than it paid across registers", () => {
    const feed = [sale("r1", 1, "T1"), refund("r2", 1, "T1", 1500, "cloud"), refund("r3", 1, "T1", 1000, "cloud")];
    const [over] = checkTenderRefunds(feed).overRefunded;
    expect(over).toEqual({ originalTransactionId: "T1", tenderId: "t1", paid: 2000, refunded: 2500 });
    expect(describeOverRefund(over as NonNullable<typeof over>)).toBe("T1/t1: refunded 2500 of 2000");
  });

  it("name a refund to a tender no sale in the feed paid", () => {
    expect(checkTenderRefunds([refund("r2", 1, "GHOST", 100, "cloud")]).overRefunded.map(describeOverRefund)).toEqual([
      "GHOST/t1: refunded 100 of nothing paid",
    ]);
  });

  it("re-allocate a register's own returns and find one allocated differently", () => {
    // The items refund 900 but the allocation pays back 1000.
    const wrong = item("r1", 2, "return.completed", {
      transactionId: "ret-1",
      cashierId: "c1",
      reason: "r",
      items: [{ originalTransactionId: "T1", sku: "A", quantity: 1, refund: usd(900) }],
      refund: usd(1000),
      allocation: [{ originalTransactionId: "T1", tenderId: "t1", tenderType: "cash", amount: usd(1000) }],
      verified: true,
    });
    const feed = [sale("r1", 1, "T1"), wrong];
    expect(checkRefunds(feed)).toEqual([expect.stringContaining("allocated differently")]);
  });

  it("re-allocate a return of an exchange's new items to the returned value that paid for them first", () => {
    // T1's item (1000) paid for most of the new one (1500); 500 more in cash. The 1000 is refundable as store credit.
    const exchange = item("r1", 2, "exchange.completed", {
      transactionId: "X1",
      cashierId: "c1",
      reason: "exchange",
      returned: { items: [{ originalTransactionId: "T1", sku: "A", quantity: 1, refund: usd(1000) }], value: usd(1000) },
      lines: [{ sku: "B", description: "", quantity: 1, unitPrice: usd(1500), tax: usd(0) }],
      totals: { subtotal: usd(1500), tax: usd(0), total: usd(1500) },
      net: usd(500),
      tenders: [{ tenderId: "x-cash", type: "cash", amount: usd(500) }],
      allocation: [{ originalTransactionId: "T1", tenderId: "t1", tenderType: "cash", amount: usd(1000) }],
      verified: true,
    });
    const returnOfX = (tenderId: string, tenderType: string) =>
      item("r1", 3, "return.completed", {
        transactionId: "ret-x",
        cashierId: "c1",
        reason: "r",
        items: [{ originalTransactionId: "X1", sku: "B", quantity: 1, refund: usd(400) }],
        refund: usd(400),
        allocation: [{ originalTransactionId: "X1", tenderId, tenderType, amount: usd(400) }],
        verified: true,
      });
    // Store credit comes before cash: the register pays 400 back as store credit, on the exchange's credit.
    const asTheRegister = [sale("r1", 1, "T1"), exchange, returnOfX("X1:exchange-credit", "store_credit")];
    expect(checkRefunds(asTheRegister)).toEqual([]);
    expect(checkTenderRefunds(asTheRegister).overRefunded).toEqual([]);
    expect(checkRefunds([sale("r1", 1, "T1"), exchange, returnOfX("x-cash", "cash")])).toEqual([
      "return ret-x (r1 seq 3) allocated differently: register X1/x-cash/400, expected X1/X1:exchange-credit/400; before it on that original: r1 seq 2 exchange.completed sold",
    ]);
  });
});
