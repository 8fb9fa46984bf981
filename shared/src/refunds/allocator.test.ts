import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TenderType } from "../events/tenders.ts";
import { money } from "../money/money.ts";
import { allocateRefund, allocationTotal, type OriginalTransaction, RefundAllocationError } from "./allocator.ts";

const usd = (a: number) => money(a, "USD");

function txn(id: string, tenders: Array<[string, TenderType, number]>, prior: Array<[string, number]> = []): OriginalTransaction {
  return {
    transactionId: id,
    tenders: tenders.map(([tenderId, type, amount]) => ({ tenderId, type, amount: usd(amount) })),
    priorRefunds: prior.map(([tenderId, amount]) => ({ tenderId, amount: usd(amount) })),
  };
}

const simple = (lines: ReturnType<typeof allocateRefund>) =>
  lines.map((l) => [l.originalTransactionId, l.tenderId, l.amount.amount]);

describe("refund allocator", () => {
  it("refunds a single-tender sale to that tender", () => {
    const lines = allocateRefund([txn("t1", [["c1", "cash", 500]])], [{ transactionId: "t1", amount: usd(200) }]);
    expect(lines).toEqual([{ originalTransactionId: "t1", tenderId: "c1", tenderType: "cash", amount: usd(200) }]);
  });

  it("refunds card first, then gift card, then store credit, then cash, each capped", () => {
    const sale = txn("t1", [
      ["cash", "cash", 1000],
      ["sc", "store_credit", 300],
      ["gc", "gift_card", 200],
      ["card", "card", 500],
    ]);
    expect(simple(allocateRefund([sale], [{ transactionId: "t1", amount: usd(1200) }]))).toEqual([
      ["t1", "card", 500],
      ["t1", "gc", 200],
      ["t1", "sc", 300],
      ["t1", "cash", 200],
    ]);
  });

  it("splits between two cards in the order they were tendered", () => {
    const sale = txn("t1", [
      ["card-a", "card", 300],
      ["card-b", "card", 300],
    ]);
    expect(simple(allocateRefund([sale], [{ transactionId: "t1", amount: usd(400) }]))).toEqual([
      ["t1", "card-a", 300],
      ["t1", "card-b", 100],
    ]);
  });

  it("takes prior refunds into account for a partial then a repeated return", () => {
    const sale = txn("t1", [
      ["card", "card", 3000],
      ["cash", "cash", 1328],
    ]);
    const first = allocateRefund([sale], [{ transactionId: "t1", amount: usd(2164) }]);
    expect(simple(first)).toEqual([["t1", "card", 2164]]);
    const afterFirst = { ...sale, priorRefunds: first.map((l) => ({ tenderId: l.tenderId, amount: l.amount })) };
    const second = allocateRefund([afterFirst], [{ transactionId: "t1", amount: usd(2164) }]);
    expect(simple(second)).toEqual([
      ["t1", "card", 836],
      ["t1", "cash", 1328],
    ]);
  });

  it("allocates a multi-order return per original order", () => {
    const lines = allocateRefund(
      [
        txn("t1", [["c1", "card", 1000]]),
        txn("t2", [
          ["g2", "gift_card", 400],
          ["k2", "cash", 600],
        ]),
      ],
      [
        { transactionId: "t2", amount: usd(700) },
        { transactionId: "t1", amount: usd(250) },
      ],
    );
    expect(simple(lines)).toEqual([
      ["t2", "g2", 400],
      ["t2", "k2", 300],
      ["t1", "c1", 250],
    ]);
  });

  it("stacks two requests against one transaction in one call", () => {
    const lines = allocateRefund(
      [
        txn("t1", [
          ["c1", "card", 100],
          ["k1", "cash", 100],
        ]),
      ],
      [
        { transactionId: "t1", amount: usd(150) },
        { transactionId: "t1", amount: usd(50) },
      ],
    );
    expect(simple(lines)).toEqual([
      ["t1", "c1", 100],
      ["t1", "k1", 50],
      ["t1", "k1", 50],
    ]);
    expect(() =>
      allocateRefund(
        [txn("t1", [["c1", "card", 100]])],
        [
          { transactionId: "t1", amount: usd(60) },
          { transactionId: "t1", amount: usd(60) },
        ],
      ),
    ).toThrow(/exceeds the 40 USD still refundable/);
  });

  it("refuses an over-refund instead of capping it", () => {
    const sale = txn("t1", [["c1", "card", 1000]], [["c1", 900]]);
    const attempt = () => allocateRefund([sale], [{ transactionId: "t1", amount: usd(101) }]);
    expect(attempt).toThrow(RefundAllocationError);
    expect(attempt).toThrow("refund of 101 USD on transaction t1 exceeds the 100 USD still refundable");
  });

  it("refuses unknown transactions and other currencies", () => {
    expect(() => allocateRefund([], [{ transactionId: "nope", amount: usd(1) }])).toThrow(/transaction nope is not known/);
    expect(() => allocateRefund([txn("t1", [["c1", "card", 100]])], [{ transactionId: "t1", amount: money(10, "EUR") }])).toThrow(
      /refund in EUR cannot go back/,
    );
  });

  it("gives the same answer for the same input every time", () => {
    const originals = [
      txn("t1", [
        ["k", "cash", 700],
        ["c", "card", 300],
        ["g", "gift_card", 250],
      ]),
    ];
    const req = [{ transactionId: "t1", amount: usd(900) }];
    expect(allocateRefund(originals, req)).toEqual(allocateRefund(structuredClone(originals), structuredClone(req)));
  });
});

const tenderTypes: TenderType[] = ["card", "cash", "gift_card", "store_credit"];

const originalArb = fc
  .array(
    fc.record({ type: fc.constantFrom(...tenderTypes), amount: fc.integer({ min: 0, max: 100_000 }), refunded: fc.nat(100) }),
    {
      minLength: 1,
      maxLength: 6,
    },
  )
  .map((tenders) =>
    tenders.map((t, i) => ({
      tenderId: `tn${i}`,
      type: t.type,
      amount: t.amount,
      prior: Math.floor((t.amount * t.refunded) / 100),
    })),
  );

describe("refund allocator properties", () => {
  it("never refunds more than was paid on a tender, and allocates exactly the request or refuses", () => {
    fc.assert(
      fc.property(
        fc.array(originalArb, { minLength: 1, maxLength: 3 }),
        fc.array(fc.record({ which: fc.nat(), amount: fc.integer({ min: 0, max: 250_000 }) }), { minLength: 1, maxLength: 4 }),
        (txns, asks) => {
          const originals: OriginalTransaction[] = txns.map((tenders, i) => ({
            transactionId: `t${i}`,
            tenders: tenders.map((t) => ({ tenderId: t.tenderId, type: t.type, amount: usd(t.amount) })),
            priorRefunds: tenders.filter((t) => t.prior > 0).map((t) => ({ tenderId: t.tenderId, amount: usd(t.prior) })),
          }));
          const requests = asks.map((a) => ({ transactionId: `t${a.which % originals.length}`, amount: usd(a.amount) }));
          let lines: ReturnType<typeof allocateRefund>;
          try {
            lines = allocateRefund(originals, requests);
          } catch (error) {
            expect(error).toBeInstanceOf(RefundAllocationError);
            expect((error as RefundAllocationError).reason).toBe("over_refund");
            // Refused only when some transaction really is asked for more than it has left.
            const asked = new Map<string, number>();
            for (const r of requests) asked.set(r.transactionId, (asked.get(r.transactionId) ?? 0) + r.amount.amount);
            const over = originals.some((o) => {
              const left = o.tenders.reduce((s, t) => {
                const prior = o.priorRefunds.filter((p) => p.tenderId === t.tenderId).reduce((x, p) => x + p.amount.amount, 0);
                return s + t.amount.amount - prior;
              }, 0);
              return (asked.get(o.transactionId) ?? 0) > left;
            });
            expect(over).toBe(true);
            return;
          }
          expect(allocationTotal(lines, "USD").amount).toBe(requests.reduce((s, r) => s + r.amount.amount, 0));
          for (const o of originals) {
            for (const t of o.tenders) {
              const prior = o.priorRefunds.filter((p) => p.tenderId === t.tenderId).reduce((x, p) => x + p.amount.amount, 0);
              const now = lines
                .filter((l) => l.originalTransactionId === o.transactionId && l.tenderId === t.tenderId)
                .reduce((x, l) => x + l.amount.amount, 0);
              expect(prior + now).toBeLessThanOrEqual(t.amount.amount);
            }
          }
          for (const l of lines) expect(l.amount.amount).toBeGreaterThan(0);
        },
      ),
      { numRuns: 500 },
    );
  });
});
