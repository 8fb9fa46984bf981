import { containsPan } from "@tenderline/shared";
import { describe, expect, it } from "vitest";
import { CATALOGUE, findItem, lineTax, quoteCart, UnknownItemError } from "./catalogue.ts";

describe("catalogue", () => {
  it("has about ten distinct items with unique skus and barcodes", () => {
    expect(CATALOGUE.length).toBeGreaterThanOrEqual(8);
    expect(new Set(CATALOGUE.map((i) => i.sku)).size).toBe(CATALOGUE.length);
    expect(new Set(CATALOGUE.map((i) => i.barcode)).size).toBe(CATALOGUE.length);
    // A scanned barcode travels in the sale request: it must never look like a card number to the PAN guard.
    for (const item of CATALOGUE) {
      expect(item.barcode).toMatch(/^\d{12}$/);
      expect(containsPan(item.barcode)).toBe(false);
    }
  });

  it("finds items by sku in any case and by barcode", () => {
    expect(findItem(" tee-m-blk ")?.sku).toBe("TEE-M-BLK");
    expect(findItem("084215100038")?.sku).toBe("HOOD-M-GRY");
    expect(findItem("NOPE")).toBeUndefined();
  });

  it("computes tax per line in minor units, rounding half up once per line", () => {
    const item = { unitPrice: { amount: 1999, currency: "USD" }, taxRateBps: 825 };
    // 1999 * 8.25% = 164.9175 -> 165; two units 3998 * 8.25% = 329.835 -> 330 (not 2 x 165).
    expect(lineTax(item, 1)).toEqual({ amount: 165, currency: "USD" });
    expect(lineTax(item, 2)).toEqual({ amount: 330, currency: "USD" });
    // Exactly half a cent rounds up: 200 * 2.25% = 4.5 -> 5.
    expect(lineTax({ unitPrice: { amount: 200, currency: "USD" }, taxRateBps: 225 }, 1).amount).toBe(5);
    expect(lineTax({ unitPrice: { amount: 500, currency: "USD" }, taxRateBps: 0 }, 3).amount).toBe(0);
    expect(() => lineTax(item, 0)).toThrow(RangeError);
  });

  it("quotes a cart with totals that add up", () => {
    const quote = quoteCart([
      { sku: "TEE-M-BLK", quantity: 2 },
      { sku: "084215100090", quantity: 1 },
    ]);
    expect(quote?.lines.map((l) => [l.sku, l.quantity, l.tax.amount])).toEqual([
      ["TEE-M-BLK", 2, 330],
      ["BAR-CHOC", 1, 7],
    ]);
    expect(quote?.totals).toEqual({
      subtotal: { amount: 3998 + 299, currency: "USD" },
      tax: { amount: 337, currency: "USD" },
      total: { amount: 3998 + 299 + 337, currency: "USD" },
    });
    expect(quoteCart([])).toBeNull();
    expect(() => quoteCart([{ sku: "NOPE", quantity: 1 }])).toThrow(UnknownItemError);
  });
});
