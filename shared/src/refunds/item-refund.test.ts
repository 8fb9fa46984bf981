import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { money } from "../money/money.ts";
import { itemRefund, OverReturnError } from "./item-refund.ts";

const line = (quantity: number, unit: number, tax: number) => ({
  sku: "SKU",
  description: "",
  quantity,
  unitPrice: money(unit, "USD"),
  tax: money(tax, "USD"),
});

describe("item refund", () => {
  it("refunds price and its share of the line's tax", () => {
    expect(itemRefund(line(2, 1999, 330), 0, 1)).toEqual(money(1999 + 165, "USD"));
    expect(itemRefund(line(2, 1999, 330), 0, 2)).toEqual(money(3998 + 330, "USD"));
  });

  it("cuts tax on cumulative boundaries so pieces add up to the whole", () => {
    const l = line(3, 1000, 100);
    const parts = [itemRefund(l, 0, 1), itemRefund(l, 1, 1), itemRefund(l, 2, 1)].map((m) => m.amount - 1000);
    expect(parts).toEqual([33, 33, 34]);
  });

  it("refuses returning more units than are left", () => {
    expect(() => itemRefund(line(2, 100, 0), 1, 2)).toThrow(OverReturnError);
    expect(() => itemRefund(line(2, 100, 0), 1, 2)).toThrow("cannot return 2 of SKU: only 1 left to return on that transaction");
  });

  it("refunds exactly the line total whatever the pieces (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.array(fc.integer({ min: 1, max: 5 })),
        (quantity, unit, tax, steps) => {
          const l = line(quantity, unit, tax);
          let returned = 0;
          let refunded = 0;
          for (const step of steps) {
            const take = Math.min(step, quantity - returned);
            if (take === 0) break;
            refunded += itemRefund(l, returned, take).amount;
            returned += take;
          }
          if (returned < quantity) {
            refunded += itemRefund(l, returned, quantity - returned).amount;
          }
          expect(refunded).toBe(unit * quantity + tax);
        },
      ),
    );
  });
});
