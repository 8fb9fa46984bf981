import { computeTotals, type Money, type SaleLine, type Totals } from "@tenderline/shared";

/** One thing the store sells. Prices are integer minor units; tax is a rate in basis points (825 = 8.25%). */
export interface CatalogueItem {
  sku: string;
  /** What a scanner types: the item's printed UPC-A barcode (12 digits, never mistaken for a card number). */
  barcode: string;
  description: string;
  unitPrice: Money;
  taxRateBps: number;
}

const usd = (amount: number): Money => ({ amount, currency: "USD" });

/** The seeded demo catalogue the cashier screen rings up from. */
export const CATALOGUE: readonly CatalogueItem[] = [
  { sku: "TEE-M-BLK", barcode: "084215100014", description: "Tee, black, M", unitPrice: usd(1999), taxRateBps: 825 },
  { sku: "TEE-L-WHT", barcode: "084215100021", description: "Tee, white, L", unitPrice: usd(1999), taxRateBps: 825 },
  { sku: "HOOD-M-GRY", barcode: "084215100038", description: "Hoodie, grey, M", unitPrice: usd(4999), taxRateBps: 825 },
  { sku: "JEAN-32-IND", barcode: "084215100045", description: "Jeans, indigo, 32", unitPrice: usd(5950), taxRateBps: 825 },
  { sku: "SOCK-3PK", barcode: "084215100052", description: "Socks, 3-pack", unitPrice: usd(1200), taxRateBps: 825 },
  { sku: "CAP-NVY", barcode: "084215100069", description: "Cap, navy", unitPrice: usd(2250), taxRateBps: 825 },
  { sku: "MUG-LOGO", barcode: "084215100076", description: "Mug, logo", unitPrice: usd(1450), taxRateBps: 825 },
  { sku: "BOTTLE-750", barcode: "084215100083", description: "Water bottle, 750 ml", unitPrice: usd(2495), taxRateBps: 825 },
  { sku: "BAR-CHOC", barcode: "084215100090", description: "Chocolate bar", unitPrice: usd(299), taxRateBps: 225 },
  { sku: "GIFT-WRAP", barcode: "084215100106", description: "Gift wrap", unitPrice: usd(500), taxRateBps: 0 },
];

export class UnknownItemError extends Error {
  constructor(readonly code: string) {
    super(`no item with sku or barcode '${code}' in the catalogue; check the code or key the sku`);
    this.name = "UnknownItemError";
  }
}

/** Finds an item by sku (case-insensitive) or barcode, as typed by a person or a scanner. */
export function findItem(code: string, catalogue: readonly CatalogueItem[] = CATALOGUE): CatalogueItem | undefined {
  const wanted = code.trim().toUpperCase();
  return catalogue.find((i) => i.sku === wanted || i.barcode === wanted);
}

/** Tax on a whole line (all units), rounded half up to the minor unit once per line, as receipts show it. */
export function lineTax(item: Pick<CatalogueItem, "unitPrice" | "taxRateBps">, quantity: number): Money {
  if (!Number.isSafeInteger(quantity) || quantity < 1) throw new RangeError("quantity must be a whole number of at least 1");
  const base = item.unitPrice.amount * quantity;
  return { amount: Math.floor((base * item.taxRateBps + 5_000) / 10_000), currency: item.unitPrice.currency };
}

export interface CartEntry {
  sku: string;
  quantity: number;
}

export interface Quote {
  lines: SaleLine[];
  totals: Totals;
}

/** Turns a cart (sku and quantity) into sale lines with per-line tax, and the sale's totals. */
export function quoteCart(entries: readonly CartEntry[], catalogue: readonly CatalogueItem[] = CATALOGUE): Quote | null {
  if (entries.length === 0) return null;
  const lines = entries.map((e): SaleLine => {
    const item = findItem(e.sku, catalogue);
    if (!item) throw new UnknownItemError(e.sku);
    return {
      sku: item.sku,
      description: item.description,
      quantity: e.quantity,
      unitPrice: item.unitPrice,
      tax: lineTax(item, e.quantity),
    };
  });
  return { lines, totals: computeTotals(lines) };
}
