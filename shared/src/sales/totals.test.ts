import { describe, expect, it } from "vitest";
import { money } from "../money/money.ts";
import { computeTotals, SaleValidationError, settleTenders } from "./totals.ts";

const usd = (a: number) => money(a, "USD");
const lines = [
  { sku: "A", description: "", quantity: 2, unitPrice: usd(1999), tax: usd(330) },
  { sku: "B", description: "", quantity: 1, unitPrice: usd(500), tax: usd(41) },
];

describe("sale totals and tender settlement", () => {
  it("totals lines with tax", () => {
    expect(computeTotals(lines)).toEqual({ subtotal: usd(4498), tax: usd(371), total: usd(4869) });
  });

  it("refuses a sale mixing currencies", () => {
    expect(() =>
      computeTotals([...lines, { sku: "C", description: "", quantity: 1, unitPrice: money(1, "EUR"), tax: money(0, "EUR") }]),
    ).toThrow(/line C is not in USD/);
  });

  it("records change from cash handed over", () => {
    const { tenders, change } = settleTenders(usd(4328), [
      { type: "card", amount: usd(3000) },
      { type: "cash", amount: usd(1328), tendered: usd(2000) },
    ]);
    expect(change).toEqual(usd(672));
    expect(tenders[1]).toMatchObject({ amount: usd(1328), tendered: usd(2000), change: usd(672) });
  });

  it("treats cash above what is owed as tendered, applying only what is owed", () => {
    const { tenders, change } = settleTenders(usd(4328), [
      { type: "card", amount: usd(3000) },
      { type: "cash", amount: usd(2000) },
    ]);
    expect(change).toEqual(usd(672));
    expect(tenders[1]).toMatchObject({ amount: usd(1328), tendered: usd(2000) });
  });

  it("refuses tenders that fall short, naming what is missing", () => {
    expect(() => settleTenders(usd(1000), [{ type: "card", amount: usd(900) }])).toThrow(/remaining 100/);
  });

  it("refuses card overpayment: only cash gives change", () => {
    const attempt = () => settleTenders(usd(1000), [{ type: "card", amount: usd(1200) }]);
    expect(attempt).toThrow(SaleValidationError);
    expect(attempt).toThrow(/only cash can give change/);
  });

  it("refuses a tender in another currency", () => {
    expect(() => settleTenders(usd(1000), [{ type: "cash", amount: money(1000, "EUR") }])).toThrow(
      /in EUR but the sale is in USD/,
    );
  });
});
