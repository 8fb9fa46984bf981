import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type TenderEvent, TenderEventSchema } from "../events/envelope.ts";
import { cardTender, envelope, salePayload, usd } from "../testing/fixtures.ts";
import { checkEventArithmetic } from "./event-arithmetic.ts";
import { computeTotals, settleTenders } from "./totals.ts";

const eur = (amount: number) => ({ amount, currency: "EUR" });

function event(type: string, payload: unknown): TenderEvent {
  return TenderEventSchema.parse(envelope(type, payload));
}

function sale(change: (p: ReturnType<typeof salePayload>) => void) {
  const p = salePayload();
  change(p);
  return event("sale.completed", p);
}

function returnPayload() {
  return {
    transactionId: "ret-1",
    cashierId: "c-17",
    reason: "did not fit",
    items: [
      { originalTransactionId: "txn-1", sku: "TEE-M-BLK", quantity: 1, refund: usd(2164) },
      { originalTransactionId: "txn-9", sku: "MUG", quantity: 1, refund: usd(500) },
    ],
    refund: usd(2664),
    allocation: [{ originalTransactionId: "txn-1", tenderId: "tn-card", tenderType: "card", amount: usd(2164) }],
    verified: false,
    storeCredit: { creditId: "cr-1", amount: usd(500) },
  };
}

function exchangePayload(newTotal: number, returnedValue: number) {
  const net = newTotal - returnedValue;
  return {
    transactionId: "ex-1",
    cashierId: "c-17",
    reason: "other size",
    returned: {
      items: [{ originalTransactionId: "txn-1", sku: "TEE-M-BLK", quantity: 1, refund: usd(returnedValue) }],
      value: usd(returnedValue),
    },
    lines: [{ sku: "TEE-L-BLK", description: "Tee", quantity: 1, unitPrice: usd(newTotal - 100), tax: usd(100) }],
    totals: { subtotal: usd(newTotal - 100), tax: usd(100), total: usd(newTotal) },
    net: { amount: net, currency: "USD" },
    tenders: net > 0 ? [{ tenderId: "t1", type: "cash", amount: usd(net), tendered: usd(net) }] : [],
    allocation: net < 0 ? [{ originalTransactionId: "txn-1", tenderId: "tn-card", tenderType: "card", amount: usd(-net) }] : [],
    verified: true,
  };
}

describe("checkEventArithmetic: sales", () => {
  it("a sale whose lines, tax, tenders and change add up passes", () => {
    expect(checkEventArithmetic(sale(() => {}))).toBeNull();
  });

  it("totals that are not the lines plus tax are invalid_totals, naming the field and both figures", () => {
    const problem = checkEventArithmetic(
      sale((p) => {
        p.totals = { subtotal: usd(3998), tax: usd(330), total: usd(1) };
      }),
    );
    expect(problem).toEqual({ reason: "invalid_totals", detail: "payload.totals.total is 1 but the lines add up to 4328" });
  });

  it("a subtotal that disagrees with the lines is invalid even when the total matches", () => {
    const problem = checkEventArithmetic(
      sale((p) => {
        p.totals = { subtotal: usd(3000), tax: usd(1328), total: usd(4328) };
      }),
    );
    expect(problem?.reason).toBe("invalid_totals");
    expect(problem?.detail).toContain("payload.totals.subtotal");
  });

  it("tenders that pay less than the total are invalid_totals", () => {
    const problem = checkEventArithmetic(
      sale((p) => {
        p.tenders = [cardTender(3000)] as never;
        p.change = usd(0);
      }),
    );
    expect(problem).toMatchObject({ reason: "invalid_totals" });
    expect(problem?.detail).toContain("3000");
    expect(problem?.detail).toContain("4328");
  });

  it("tenders that pay more than the total are invalid_totals too (only cash gives change, and that is not paid)", () => {
    const problem = checkEventArithmetic(
      sale((p) => {
        p.tenders = [cardTender(5000)] as never;
        p.change = usd(0);
      }),
    );
    expect(problem?.reason).toBe("invalid_totals");
  });

  it("change that is not tendered less applied is invalid_totals", () => {
    expect(
      checkEventArithmetic(
        sale((p) => {
          p.change = usd(9999);
        }),
      ),
    ).toMatchObject({ reason: "invalid_totals" });
    const p = salePayload();
    (p.tenders[1] as { change: unknown }).change = usd(1);
    expect(checkEventArithmetic(event("sale.completed", p))).toMatchObject({ reason: "invalid_totals" });
  });

  it("a tender in another currency is currency_mismatch", () => {
    const p = salePayload();
    (p.tenders[0] as { amount: unknown }).amount = eur(3000);
    expect(checkEventArithmetic(event("sale.completed", p))).toEqual({
      reason: "currency_mismatch",
      detail: "payload.tenders[0].amount is in EUR but the transaction is in USD; one transaction uses one currency",
    });
  });

  it("a line priced in another currency is currency_mismatch", () => {
    const p = salePayload();
    (p.lines[0] as { tax: unknown }).tax = eur(330);
    expect(checkEventArithmetic(event("sale.completed", p))?.reason).toBe("currency_mismatch");
  });

  it("lines that overflow the safe range are invalid, not a crash", () => {
    const p = salePayload();
    p.lines = [{ sku: "X", description: "", quantity: 999, unitPrice: usd(Number.MAX_SAFE_INTEGER), tax: usd(0) }];
    expect(checkEventArithmetic(event("sale.completed", p))?.reason).toBe("invalid_totals");
  });
});

describe("checkEventArithmetic: returns", () => {
  it("a return paid back through allocation and store credit in full passes", () => {
    expect(checkEventArithmetic(event("return.completed", returnPayload()))).toBeNull();
  });

  it("a refund that is not the sum of its items is invalid_totals", () => {
    const p = returnPayload();
    p.refund = usd(99_999);
    expect(checkEventArithmetic(event("return.completed", p))).toMatchObject({ reason: "invalid_totals" });
  });

  it("a refund whose allocation and store credit do not add up to it is invalid_totals", () => {
    const p = returnPayload();
    p.storeCredit = { creditId: "cr-1", amount: usd(5000) };
    expect(checkEventArithmetic(event("return.completed", p))?.detail).toContain(
      "allocation paid back to tenders plus store credit",
    );
  });

  it("a slice the customer took as store credit is counted once: in the credit, not paid back to its tender", () => {
    const p = returnPayload();
    const slice = { ...(p.allocation[0] as (typeof p.allocation)[number]), paidAs: "store_credit" as const };
    p.allocation = [slice];
    p.storeCredit = { creditId: "cr-1", amount: usd(2664) };
    expect(checkEventArithmetic(event("return.completed", p))).toBeNull();
    // Counted twice (credit for all, and the slice paid back too) it does not add up.
    p.allocation = [{ ...slice, paidAs: undefined } as never];
    expect(checkEventArithmetic(event("return.completed", p))?.reason).toBe("invalid_totals");
    // A slice paid as credit with no credit to go into is refused, naming the missing field.
    const bare = returnPayload();
    bare.allocation = [slice];
    bare.refund = usd(2164);
    bare.items = bare.items.slice(0, 1);
    delete (bare as { storeCredit?: unknown }).storeCredit;
    expect(checkEventArithmetic(event("return.completed", bare))?.detail).toBe(
      "the allocation paid back to tenders plus store credit is 0 but payload.refund is 2164",
    );
  });

  it("an allocation slice in another currency is currency_mismatch", () => {
    const p = returnPayload();
    (p.allocation[0] as { amount: unknown }).amount = eur(2164);
    expect(checkEventArithmetic(event("return.completed", p))?.reason).toBe("currency_mismatch");
  });
});

describe("checkEventArithmetic: exchanges", () => {
  it("an exchange where the customer pays the difference passes", () => {
    expect(checkEventArithmetic(event("exchange.completed", exchangePayload(3000, 2000)))).toBeNull();
  });

  it("an exchange refunding the difference passes", () => {
    expect(checkEventArithmetic(event("exchange.completed", exchangePayload(2000, 3000)))).toBeNull();
  });

  it("an exchange whose refunded difference is taken as store credit passes; a credit that is not its slices does not", () => {
    const p = exchangePayload(2000, 3000);
    const withCredit = {
      ...p,
      allocation: p.allocation.map((a) => ({ ...a, paidAs: "store_credit" as const })),
      storeCredit: { creditId: "cr-2", amount: usd(1000) },
    };
    expect(checkEventArithmetic(event("exchange.completed", withCredit))).toBeNull();
    withCredit.storeCredit = { creditId: "cr-2", amount: usd(1500) };
    expect(checkEventArithmetic(event("exchange.completed", withCredit))?.detail).toBe(
      "payload.storeCredit.amount is 1500 but the slices paidAs store_credit add up to 1000",
    );
    const missing = { ...withCredit, storeCredit: undefined };
    expect(checkEventArithmetic(event("exchange.completed", missing))?.detail).toContain("payload.storeCredit is missing");
  });

  it("a net that is not the new total less the returned value is invalid_totals", () => {
    const p = exchangePayload(3000, 2000);
    p.net = usd(1);
    p.tenders = [{ tenderId: "t1", type: "cash", amount: usd(1), tendered: usd(1) }];
    expect(checkEventArithmetic(event("exchange.completed", p))?.detail).toContain("payload.net");
  });

  it("a refund of the difference larger than it is invalid_totals", () => {
    const p = exchangePayload(2000, 3000);
    (p.allocation[0] as { amount: unknown }).amount = usd(2500);
    expect(checkEventArithmetic(event("exchange.completed", p))?.reason).toBe("invalid_totals");
  });

  it("tenders short of a positive net are invalid_totals", () => {
    const p = exchangePayload(3000, 2000);
    p.tenders = [{ tenderId: "t1", type: "cash", amount: usd(10), tendered: usd(10) }];
    expect(checkEventArithmetic(event("exchange.completed", p))?.reason).toBe("invalid_totals");
  });

  it("a returned value in another currency is currency_mismatch", () => {
    const p = exchangePayload(3000, 2000);
    p.returned.value = eur(2000);
    expect(checkEventArithmetic(event("exchange.completed", p))?.reason).toBe("currency_mismatch");
  });
});

describe("checkEventArithmetic against the register's own arithmetic", () => {
  it("passes every sale whose totals and tenders the shared computeTotals and settleTenders made, and refuses it once a figure moves", () => {
    const line = fc.record({
      sku: fc.constantFrom("A", "B", "C"),
      description: fc.constant(""),
      quantity: fc.integer({ min: 1, max: 20 }),
      unitPrice: fc.integer({ min: 0, max: 100_000 }).map(usd),
      tax: fc.integer({ min: 0, max: 10_000 }).map(usd),
    });
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 6 }),
        fc.nat({ max: 100 }),
        fc.nat({ max: 5000 }),
        fc.nat(),
        (lines, cardShare, extraCash, nudge) => {
          const totals = computeTotals(lines);
          const card = Math.floor((totals.total.amount * cardShare) / 100);
          const cash = totals.total.amount - card;
          const settled = settleTenders(totals.total, [
            { ...cardTender(card), tenderId: "t1" },
            { tenderId: "t2", type: "cash", amount: usd(cash + extraCash), tendered: usd(cash + extraCash) },
          ]);
          const payload = {
            transactionId: "tx",
            cashierId: "c",
            lines,
            tenders: settled.tenders,
            totals,
            change: settled.change,
          };
          expect(checkEventArithmetic(event("sale.completed", payload))).toBeNull();
          const moved = { ...payload, totals: { ...totals, total: usd(totals.total.amount + 1 + (nudge % 100)) } };
          expect(checkEventArithmetic(event("sale.completed", moved))?.reason).toBe("invalid_totals");
        },
      ),
      { numRuns: 500 },
    );
  });
});
