import type { SaleLine } from "../events/lines.ts";
import { add, type Money, multiply } from "../money/money.ts";

export class OverReturnError extends Error {
  readonly reason = "over_return";
  constructor(
    readonly sku: string,
    readonly requested: number,
    readonly returnable: number,
  ) {
    super(`cannot return ${requested} of ${sku}: only ${returnable} left to return on that transaction`);
    this.name = "OverReturnError";
  }
}

/**
 * What returning `quantity` units of a line refunds: the unit price times the units, plus their
 * share of the line's tax. The tax share is cut on cumulative boundaries, so returning every unit
 * in any number of pieces refunds exactly the line's tax, never a cent more or less.
 */
export function itemRefund(line: SaleLine, alreadyReturned: number, quantity: number): Money {
  if (!Number.isInteger(quantity) || quantity < 1) throw new RangeError("quantity to return must be a positive integer");
  const returnable = line.quantity - alreadyReturned;
  if (quantity > returnable) throw new OverReturnError(line.sku, quantity, returnable);
  const taxUpTo = (units: number) => Math.floor((line.tax.amount * units) / line.quantity);
  const taxShare = taxUpTo(alreadyReturned + quantity) - taxUpTo(alreadyReturned);
  return add(multiply(line.unitPrice, quantity), { amount: taxShare, currency: line.tax.currency });
}
