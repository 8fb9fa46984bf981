import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  add,
  allocateByWeights,
  CurrencyMismatchError,
  compare,
  formatMoney,
  MoneySchema,
  money,
  NonNegativeMoneySchema,
  splitEvenly,
  subtract,
  sum,
} from "./money.ts";

const usd = (a: number) => money(a, "USD");

describe("money", () => {
  it("adds and subtracts minor units exactly", () => {
    expect(add(usd(1999), usd(1))).toEqual(usd(2000));
    expect(subtract(usd(10), usd(25))).toEqual(usd(-15));
    expect(sum([usd(10), usd(20), usd(30)], "USD")).toEqual(usd(60));
    expect(sum([], "EUR")).toEqual(money(0, "EUR"));
  });

  it("refuses to combine different currencies", () => {
    expect(() => add(usd(1), money(1, "EUR"))).toThrow(CurrencyMismatchError);
    expect(() => compare(usd(1), money(1, "EUR"))).toThrow(/expected USD, got EUR/);
    expect(() => sum([usd(1), money(2, "GBP")], "USD")).toThrow(CurrencyMismatchError);
  });

  it("refuses fractional amounts at construction and in the schema", () => {
    expect(() => money(19.99, "USD")).toThrow(/integer of minor units/);
    expect(MoneySchema.safeParse({ amount: 19.99, currency: "USD" }).success).toBe(false);
    expect(MoneySchema.safeParse({ amount: 1999, currency: "USD" }).success).toBe(true);
    expect(MoneySchema.safeParse({ amount: Number.MAX_SAFE_INTEGER + 1, currency: "USD" }).success).toBe(false);
  });

  it("says what is wrong with an amount: not minor units, too large, or negative where it must not be", () => {
    const messages = (schema: typeof MoneySchema, amount: unknown) => {
      const result = schema.safeParse({ amount, currency: "USD" });
      return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    };
    expect(messages(MoneySchema, 19.99)).toEqual([
      expect.stringMatching(/^amount: amount must be an integer number of minor units/),
    ]);
    expect(messages(MoneySchema, "19.99")).toEqual([
      expect.stringMatching(/^amount: amount must be an integer number of minor units/),
    ]);
    expect(messages(MoneySchema, 2 ** 60)).toEqual(["amount: amount is too large"]);
    expect(messages(MoneySchema, -(2 ** 60))).toEqual(["amount: amount is too large"]);
    expect(messages(MoneySchema, -5)).toEqual([]);
    expect(messages(NonNegativeMoneySchema, -5)).toEqual(["amount: amount must not be negative"]);
    expect(messages(NonNegativeMoneySchema, 0)).toEqual([]);
  });

  it("splits evenly with the leftover cents going to the first parts", () => {
    expect(splitEvenly(usd(100), 3).map((m) => m.amount)).toEqual([34, 33, 33]);
    expect(splitEvenly(usd(-100), 3).map((m) => m.amount)).toEqual([-34, -33, -33]);
  });

  it("allocates by weights by largest remainder", () => {
    expect(allocateByWeights(usd(1000), [1, 1, 1]).map((m) => m.amount)).toEqual([334, 333, 333]);
    expect(allocateByWeights(usd(10), [7, 3]).map((m) => m.amount)).toEqual([7, 3]);
    expect(allocateByWeights(usd(5), [1, 2]).map((m) => m.amount)).toEqual([2, 3]);
    expect(() => allocateByWeights(usd(5), [0, 0])).toThrow(/must not all be zero/);
  });

  it("splits always sum exactly to the total (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
        fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 12 }).filter((ws) => ws.some((w) => w > 0)),
        (amount, weights) => {
          const parts = allocateByWeights(usd(amount), weights);
          expect(parts.reduce((s, p) => s + p.amount, 0)).toBe(amount);
          parts.forEach((p, i) => {
            if (weights[i] === 0) expect(p.amount).toBe(0);
          });
        },
      ),
    );
  });

  it("formats for display", () => {
    expect(formatMoney(usd(4328))).toBe("USD 43.28");
    expect(formatMoney(usd(-5))).toBe("-USD 0.05");
  });
});
