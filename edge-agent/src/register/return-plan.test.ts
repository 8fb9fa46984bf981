import { itemRefund, OverReturnError, type ReturnOriginal } from "@tenderline/shared";
import { describe, expect, it } from "vitest";
import { allocate, cloudAsOriginal, originalRef, planReturn } from "./return-plan.ts";

const usd = (amount: number) => ({ amount, currency: "USD" });

/** No original is on this register: every item is the cloud's or unverified. */
const emptyLedger = { get: () => undefined };

/** A sale at store-1 / reg-1 as the cloud's lookup answers it: 3 tees (1 returned elsewhere, 1 held), card + cash. */
function cloudOriginal(overrides: Partial<ReturnOriginal> = {}): ReturnOriginal {
  return {
    transactionId: "tx-cloud-1",
    receiptNumber: "S1-R1-000042-K",
    kind: "sale",
    storeId: "store-1",
    registerId: "reg-1",
    channel: null,
    occurredAt: "2026-12-01T10:00:00.000Z",
    currency: "USD",
    lines: [
      {
        lineNo: 0,
        sku: "TEE",
        description: "Tee",
        quantity: 3,
        unitPrice: usd(1000),
        tax: usd(250),
        returned: 1,
        reserved: 1,
        returnable: 1,
      },
    ],
    tenders: [
      {
        tenderId: "t-card",
        type: "card",
        amount: usd(2000),
        refunded: usd(1083),
        reserved: usd(0),
        refundable: usd(917),
        card: { brand: "visa", last4: "4242", token: "tok_abc", processorRef: "PR-77" },
      },
      { tenderId: "t-cash", type: "cash", amount: usd(1250), refunded: usd(0), reserved: usd(1083), refundable: usd(167) },
    ],
    ...overrides,
  };
}

describe("a return planned against the cloud's original (pure)", () => {
  it("prices the unit like a local return would (itemRefund with the cloud's returned + reserved units)", () => {
    const original = cloudOriginal();
    const plan = planReturn(emptyLedger, [{ transactionId: "tx-cloud-1", sku: "TEE", quantity: 1 }], {
      allowUnverified: true,
      cloud: new Map([["tx-cloud-1", original]]),
    });
    const expected = itemRefund({ sku: "TEE", description: "Tee", quantity: 3, unitPrice: usd(1000), tax: usd(250) }, 2, 1);
    expect(plan.verified).toBe(true);
    expect(plan.items).toEqual([{ originalTransactionId: "tx-cloud-1", sku: "TEE", quantity: 1, refund: expected }]);
    expect(plan.perOriginal).toEqual([{ transactionId: "tx-cloud-1", amount: expected }]);
    // Nothing of it is in this register's ledger: the cloud holds it by the reservation.
    expect(plan.returnedLines).toEqual([]);
    expect(plan.cloudItems).toEqual([{ transactionId: "tx-cloud-1", sku: "TEE", quantity: 1 }]);
  });

  it("refuses more units than the cloud says are left (returned and reserved elsewhere count)", () => {
    expect(() =>
      planReturn(emptyLedger, [{ transactionId: "tx-cloud-1", sku: "TEE", quantity: 2 }], {
        allowUnverified: true,
        cloud: new Map([["tx-cloud-1", cloudOriginal()]]),
      }),
    ).toThrow(OverReturnError);
  });

  it("allocates against the tenders minus what is refunded or reserved, the card slice carrying token and processorRef", () => {
    const original = cloudOriginal();
    const plan = planReturn(emptyLedger, [{ transactionId: "tx-cloud-1", sku: "TEE", quantity: 1 }], {
      allowUnverified: true,
      cloud: new Map([["tx-cloud-1", original]]),
    });
    const allocation = allocate(plan, plan.perOriginal);
    const total = allocation.reduce((s, a) => s + a.amount.amount, 0);
    expect(total).toBe(plan.perOriginal[0]?.amount.amount);
    // Card first (refund priority), but only its 917 left; the cash slice is what the cash has left.
    expect(allocation.map((a) => [a.tenderType, a.amount.amount])).toEqual([
      ["card", 917],
      ["cash", total - 917],
    ]);
    expect(allocation[0]?.card).toEqual({ token: "tok_abc", last4: "4242", processorRef: "PR-77" });
    expect(allocation[1]?.card).toBeUndefined();
  });

  it("reads the cloud's refunded and reserved amounts as prior refunds", () => {
    expect(cloudAsOriginal(cloudOriginal()).priorRefunds).toEqual([
      { tenderId: "t-card", amount: usd(1083) },
      { tenderId: "t-cash", amount: usd(1083) },
    ]);
  });

  it("finds an original by the ref the cashier typed (a receipt number) and names the original by its id", () => {
    const original = cloudOriginal();
    const plan = planReturn(emptyLedger, [{ transactionId: "S1-R1-000042-K", sku: "TEE", quantity: 1 }], {
      allowUnverified: true,
      cloud: new Map([["S1-R1-000042-K", original]]),
    });
    expect(plan.items[0]?.originalTransactionId).toBe("tx-cloud-1");
    expect(allocate(plan, plan.perOriginal).every((a) => a.originalTransactionId === "tx-cloud-1")).toBe(true);
  });

  it("names where the original was sold: store and register, or the channel of an online order", () => {
    expect(originalRef(cloudOriginal())).toEqual({
      transactionId: "tx-cloud-1",
      storeId: "store-1",
      registerId: "reg-1",
      receiptNumber: "S1-R1-000042-K",
    });
    expect(originalRef(cloudOriginal({ channel: "web", receiptNumber: null, kind: "order" }))).toEqual({
      transactionId: "tx-cloud-1",
      storeId: "store-1",
      registerId: "reg-1",
      channel: "web",
    });
  });

  it("an item neither here nor in the cloud stays unverified at its declared price", () => {
    const plan = planReturn(
      emptyLedger,
      [
        { transactionId: "tx-cloud-1", sku: "TEE", quantity: 1 },
        { transactionId: "tx-unknown", sku: "MUG", quantity: 2, unitPrice: usd(500) },
      ],
      { allowUnverified: true, cloud: new Map([["tx-cloud-1", cloudOriginal()]]) },
    );
    expect(plan.verified).toBe(false);
    expect(plan.unverified).toEqual(usd(1000));
    expect(plan.cloudOriginals.map((o) => o.transactionId)).toEqual(["tx-cloud-1"]);
  });
});
