import type { SaleLine, Totals } from "../events/lines.ts";
import { add, type Money, multiply, subtract, sum, zero } from "../money/money.ts";

export class SaleValidationError extends Error {
  constructor(
    readonly reason: "currency_mismatch" | "tenders_short" | "tenders_over" | "tendered_below_amount",
    message: string,
  ) {
    super(message);
    this.name = "SaleValidationError";
  }
}

/** The one currency every line of a sale must use. */
export function saleCurrency(lines: readonly SaleLine[]): string {
  const currency = lines[0]?.unitPrice.currency;
  if (!currency) throw new SaleValidationError("currency_mismatch", "a sale needs at least one line");
  for (const line of lines) {
    if (line.unitPrice.currency !== currency || line.tax.currency !== currency) {
      throw new SaleValidationError("currency_mismatch", `line ${line.sku} is not in ${currency}; one sale uses one currency`);
    }
  }
  return currency;
}

export function computeTotals(lines: readonly SaleLine[]): Totals {
  const currency = saleCurrency(lines);
  const subtotal = sum(
    lines.map((l) => multiply(l.unitPrice, l.quantity)),
    currency,
  );
  const tax = sum(
    lines.map((l) => l.tax),
    currency,
  );
  return { subtotal, tax, total: add(subtotal, tax) };
}

export interface TenderAmounts {
  type: string;
  amount: Money;
  tendered?: Money;
}

/**
 * Settles tenders against a total: non-cash tenders must not pay more than is owed; cash may,
 * and the excess is change. Returns each tender's applied amount (cash reduced by the change it
 * gives back) and the change; refuses tenders that do not cover the total.
 */
export function settleTenders<T extends TenderAmounts>(
  total: Money,
  tenders: readonly T[],
): { tenders: Array<T & { tendered?: Money; change?: Money }>; change: Money } {
  const currency = total.currency;
  for (const t of tenders) {
    if (t.amount.currency !== currency) {
      throw new SaleValidationError(
        "currency_mismatch",
        `a ${t.type} tender is in ${t.amount.currency} but the sale is in ${currency}`,
      );
    }
    if (t.tendered && t.tendered.amount < t.amount.amount) {
      throw new SaleValidationError("tendered_below_amount", "cash tendered is less than the cash amount applied");
    }
  }
  const paid = sum(
    tenders.map((t) => t.amount),
    currency,
  );
  if (paid.amount < total.amount) {
    throw new SaleValidationError(
      "tenders_short",
      `tenders pay ${paid.amount} but the total is ${total.amount} ${currency}; add a tender for the remaining ${total.amount - paid.amount}`,
    );
  }
  let excess = subtract(paid, total);
  const nonCash = sum(
    tenders.filter((t) => t.type !== "cash").map((t) => t.amount),
    currency,
  );
  if (nonCash.amount > total.amount) {
    throw new SaleValidationError(
      "tenders_over",
      "card, gift card and store credit tenders pay more than the total; only cash can give change",
    );
  }
  let change = zero(currency);
  const settled = tenders.map((t) => {
    if (t.type !== "cash") return { ...t };
    const handed = t.tendered ?? t.amount;
    const giveBack = Math.min(excess.amount, t.amount.amount);
    excess = subtract(excess, { amount: giveBack, currency });
    const applied = subtract(t.amount, { amount: giveBack, currency });
    const tenderChange = subtract(handed, applied);
    change = add(change, tenderChange);
    return { ...t, amount: applied, tendered: handed, change: tenderChange };
  });
  return { tenders: settled, change };
}
