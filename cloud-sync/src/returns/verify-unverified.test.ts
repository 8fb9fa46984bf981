import { describe, expect, it } from "vitest";
import { type KnownOriginal, type UnverifiedReturnFacts, verifyUnverifiedReturn } from "./verify-unverified.ts";

const original: KnownOriginal = {
  transactionId: "S",
  receiptNumber: "S1-R1-7-K",
  lines: [
    { sku: "A", quantity: 3, unitPrice: 1000, tax: 100, currency: "USD" },
    { sku: "B", quantity: 1, unitPrice: 500, tax: 0, currency: "USD" },
  ],
};
const find = (ref: string) => (ref === "S" || ref.toUpperCase() === "S1-R1-7-K" ? original : undefined);
const facts = (items: UnverifiedReturnFacts["items"], approvedBy: string | null = null): UnverifiedReturnFacts => ({
  returnEventId: "e1",
  transactionId: "R1",
  storeId: "s2",
  registerId: "r4",
  occurredAt: "2026-11-26T10:00:00.000Z",
  approvedBy,
  items,
});
const item = (originalRef: string, sku: string, quantity: number, refund: number, currency = "USD") => ({
  originalRef,
  sku,
  quantity,
  refund,
  currency,
});

describe("verifyUnverifiedReturn", () => {
  it("waits while an original is not in the ledger", () => {
    expect(verifyUnverifiedReturn(facts([item("S", "A", 1, 1033), item("OTHER", "A", 1, 1)]), find)).toEqual({
      status: "waiting",
    });
  });

  it("verifies a return within what the original sold, at its price and tax share, by transaction id or receipt number", () => {
    expect(verifyUnverifiedReturn(facts([item("S", "A", 1, 1033)]), find)).toEqual({ status: "verified" });
    // The most generous tax share of one unit is 34 (the cut falls on cumulative boundaries).
    expect(verifyUnverifiedReturn(facts([item("s1-r1-7-k", "A", 1, 1034)]), find)).toEqual({ status: "verified" });
    expect(
      verifyUnverifiedReturn(facts([item("S", "A", 2, 1000), item("S", "A", 1, 1100), item("S", "B", 1, 500)]), find),
    ).toEqual({
      status: "verified",
    });
  });

  it("raises unverified_return_mismatch naming store, register, event, transaction and manager when the price exceeds the original", () => {
    const v = verifyUnverifiedReturn(facts([item("S", "A", 1, 9_999_999)], "m-7"), find);
    expect(v.status).toBe("mismatch");
    if (v.status !== "mismatch") return;
    expect(v.exception).toMatchObject({
      key: "unverified_return_mismatch:e1",
      kind: "unverified_return_mismatch",
      storeId: "s2",
      subject: "R1",
      detail: {
        returnEventId: "e1",
        transactionId: "R1",
        storeId: "s2",
        registerId: "r4",
        managerId: "m-7",
        problems: [{ originalTransactionId: "S", sku: "A", exceeded: "price", quantity: 1, refund: 9_999_999, maxRefund: 1034 }],
      },
    });
    expect(v.reason).toBe("1 of A refunded 9999999 USD but paid at most 1034 on original S");
  });

  it("raises it when the quantity exceeds what the original sold, or the sku was never on it, or the currency differs", () => {
    const over = verifyUnverifiedReturn(facts([item("S", "A", 2, 2000), item("S", "A", 2, 2000)]), find);
    expect(over.status === "mismatch" && over.problems).toEqual([
      expect.objectContaining({ sku: "A", exceeded: "quantity", quantity: 4, sold: 3 }),
    ]);
    const none = verifyUnverifiedReturn(facts([item("S", "Z", 1, 1)]), find);
    expect(none.status === "mismatch" && none.reason).toBe("1 of Z returned but original S sold 0");
    const euros = verifyUnverifiedReturn(facts([item("S", "B", 1, 500, "EUR")]), find);
    expect(euros.status === "mismatch" && euros.problems[0]?.exceeded).toBe("currency");
  });
});
