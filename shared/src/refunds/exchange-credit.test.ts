import { describe, expect, it } from "vitest";
import { exchangeCreditTender } from "./exchange-credit.ts";

const usd = (amount: number) => ({ amount, currency: "USD" });
const exchange = (returned: number, total: number) => ({
  transactionId: "X1",
  returned: { value: usd(returned) },
  totals: { total: usd(total) },
});

describe("exchangeCreditTender", () => {
  it("is the part of the new items the returned value paid for", () => {
    // New items cost more: all the returned value went into them, the customer paid the rest.
    expect(exchangeCreditTender(exchange(3000, 5000))).toEqual({
      tenderId: "X1:exchange-credit",
      type: "store_credit",
      amount: usd(3000),
    });
    // New items cost less: they took only their own price; the rest was refunded at the time.
    expect(exchangeCreditTender(exchange(5000, 3000))?.amount).toEqual(usd(3000));
  });

  it("does not exist when nothing of the returned value went into new items", () => {
    expect(exchangeCreditTender(exchange(0, 3000))).toBeUndefined();
    expect(exchangeCreditTender(exchange(3000, 0))).toBeUndefined();
  });
});
