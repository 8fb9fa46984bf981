import { describe, expect, it } from "vitest";
import { checkRefunds, type PaidTender, type RefundSlice } from "./check-refunds.ts";

const paid: PaidTender[] = [
  { tenderId: "t1", type: "card", amount: 3000, currency: "USD", storeId: "s1" },
  { tenderId: "t2", type: "cash", amount: 1000, currency: "USD", storeId: "s1" },
];
const slice = (eventId: string, tenderId: string, amount: number, occurredAt: string): RefundSlice => ({
  returnEventId: eventId,
  returnTransactionId: `ret-${eventId}`,
  storeId: "s1",
  tenderId,
  amount,
  currency: "USD",
  occurredAt,
});

describe("checkRefunds", () => {
  it("accepts refunds that together fit in what was paid", () => {
    expect(
      checkRefunds("S", paid, [slice("e1", "t1", 2000, "2026-01-01T10:00:00Z"), slice("e2", "t1", 1000, "2026-01-01T11:00:00Z")]),
    ).toBeNull();
  });

  it("raises over_refund naming every return when two registers refunded more than was paid in total", () => {
    const e = checkRefunds("S", paid, [
      slice("e2", "t1", 2500, "2026-01-01T11:00:00Z"),
      slice("e1", "t1", 2000, "2026-01-01T10:00:00Z"),
    ]);
    expect(e).toMatchObject({ key: "over_refund:S", kind: "over_refund", storeId: "s1", subject: "S" });
    expect(e?.detail).toMatchObject({
      paid: 4000,
      refunded: 4500,
      overdrawnTenders: [{ tenderId: "t1", paid: 3000, refunded: 4500 }],
    });
    expect(e?.detail.allocator).toMatch(/^over_refund/);
    expect(((e?.detail.returns ?? []) as Array<{ eventId: string }>).map((r) => r.eventId)).toEqual(["e1", "e2"]);
  });

  it("raises over_refund when one tender was overdrawn even though the total fits", () => {
    const e = checkRefunds("S", paid, [slice("e1", "t2", 1500, "2026-01-01T10:00:00Z")]);
    expect(e?.detail).toMatchObject({ allocator: null, overdrawnTenders: [{ tenderId: "t2", paid: 1000, refunded: 1500 }] });
  });

  it("says nothing without the sale or without refunds", () => {
    expect(checkRefunds("S", [], [slice("e1", "t1", 5000, "2026-01-01T10:00:00Z")])).toBeNull();
    expect(checkRefunds("S", paid, [])).toBeNull();
  });

  it("compares currencies slice by slice: a EUR refund against a USD tender is raised, not summed", () => {
    const euros = { ...slice("e1", "t1", 2000, "2026-01-01T10:00:00Z"), currency: "EUR" };
    const e = checkRefunds("S", paid, [euros]);
    expect(e?.kind).toBe("over_refund");
    expect(e?.detail.allocator).toMatch(/^currency_mismatch/);
    expect(e?.detail.currencyMismatches).toEqual([
      { returnEventId: "e1", tenderId: "t1", currency: "EUR", tenderCurrency: "USD", amount: 2000 },
    ]);
    // The same amount in the tender's currency fits.
    expect(checkRefunds("S", paid, [slice("e1", "t1", 2000, "2026-01-01T10:00:00Z")])).toBeNull();
  });
});
