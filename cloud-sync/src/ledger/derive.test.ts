import { canonicalJson } from "@tenderline/shared";
import { describe, expect, it } from "vitest";
import { tenderResult } from "../reconcile/tender-result.ts";
import { checkRefunds } from "../refunds/check-refunds.ts";
import { exchangeEvent, returnEvent, saleEvent } from "../testing/events.ts";
import { deriveFromLog, type LogRow } from "./derive.ts";
import { ownerRegion } from "./owner-region.ts";

const row = (pos: number, kind: LogRow["kind"], body: unknown): LogRow => ({
  pos,
  record_id: `00000000-0000-7000-8000-${String(pos).padStart(12, "0")}`,
  kind,
  store_id: "s1",
  body: canonicalJson(body),
});

describe("deriveFromLog", () => {
  it("derives tenders, offline work, refund slices and result exceptions from the log", () => {
    const sale = saleEvent({ seq: 1, transactionId: "S", cardAmount: 3000, cashAmount: 500 });
    const online = saleEvent({ seq: 2, transactionId: "O", offline: false });
    const ret = returnEvent({ seq: 3, originalTransactionId: "S", tenderId: "S-t1", amount: 1000 });
    const declined = tenderResult(
      {
        eventId: sale.eventId,
        transactionId: "S",
        tenderId: "S-t1",
        storeId: "s1",
        terminalTxnId: "T-S",
        expected: { amount: 3000, currency: "USD" },
      },
      { terminalTxnId: "T-S", outcome: "declined", reason: "do_not_honor" },
    );
    const d = deriveFromLog(
      [row(1, "event", sale), row(2, "event", online), row(3, "event", ret), row(4, "tender_result", declined)],
      ["A", "B"],
    );
    expect(d.saleTenders.map((t) => `${t.transactionId}/${t.tenderId}:${t.amount}`)).toEqual([
      "S/S-t1:3000",
      "S/S-t2:500",
      "O/O-t1:3000",
    ]);
    expect(d.work).toHaveLength(1);
    expect(d.work[0]).toMatchObject({
      transactionId: "S",
      tenderId: "S-t1",
      terminalTxnId: "T-S",
      amount: 3000,
      token: "tok_9f2c",
      last4: "4242",
    });
    expect(["A", "B"]).toContain(d.work[0]?.owner);
    expect(d.refundLines).toEqual([
      expect.objectContaining({ originalTransactionId: "S", tenderId: "S-t1", amount: 1000, lineNo: 0 }),
    ]);
    expect(d.refundChecks).toEqual(["S"]);
    expect(d.saleChecks.sort()).toEqual(["O", "S"]);
    expect(d.results).toHaveLength(1);
    expect(d.exceptions).toEqual([
      expect.objectContaining({ key: `reconcile:${sale.eventId}:S-t1`, kind: "declined", subject: "S/S-t1" }),
    ]);
  });
});

describe("ownerRegion", () => {
  it("gives every region the same owner whatever the order of names, and spreads tenders over regions", () => {
    const owners = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      const a = ownerRegion(`e${i}:t1`, ["A", "B"]);
      expect(ownerRegion(`e${i}:t1`, ["B", "A", "B"])).toBe(a);
      owners.set(a, (owners.get(a) ?? 0) + 1);
    }
    expect(owners.get("A")).toBeGreaterThan(50);
    expect(owners.get("B")).toBeGreaterThan(50);
    expect(ownerRegion("x", ["solo"])).toBe("solo");
  });

  it("knows an exchange can be refunded up to what it was paid with, the returned value included", () => {
    const sale = saleEvent({ seq: 1, transactionId: "S", cardAmount: 3000 });
    // The returned item (3000) paid for most of the new one (3500); the customer added 500 in cash.
    const exchange = exchangeEvent({
      seq: 2,
      transactionId: "X",
      originalTransactionId: "S",
      returnedValue: 3000,
      newTotal: 3500,
    });
    const backToCredit = (seq: number, amount: number) => {
      const e = returnEvent({ seq, originalTransactionId: "X", tenderId: "X:exchange-credit", amount });
      const allocation = (e.payload as { allocation: Array<{ tenderType: string }> }).allocation;
      for (const line of allocation) line.tenderType = "store_credit";
      return e;
    };
    const cashBack = returnEvent({ seq: 3, originalTransactionId: "X", tenderId: "X-t1", amount: 500 });
    const refundsOfX = (...returns: ReturnType<typeof returnEvent>[]) => {
      const d = deriveFromLog(
        [sale, exchange, ...returns].map((e, i) => row(i + 1, "event", e)),
        ["A"],
      );
      const paid = d.saleTenders.filter((t) => t.transactionId === "X");
      const slices = d.refundLines.filter((l) => l.originalTransactionId === "X");
      return { paid, check: checkRefunds("X", paid, slices) };
    };

    const { paid, check } = refundsOfX(backToCredit(4, 3000), cashBack);
    expect(paid.map((t) => `${t.tenderId}:${t.type}:${t.amount}`)).toEqual([
      "X:exchange-credit:store_credit:3000",
      "X-t1:cash:500",
    ]);
    // Everything the exchange was paid with, refunded: no alarm.
    expect(check).toBeNull();
    // One cent more than the returned value went into it: an over-refund.
    expect(refundsOfX(backToCredit(4, 3001)).check).toMatchObject({ kind: "over_refund", subject: "X" });
  });
});
