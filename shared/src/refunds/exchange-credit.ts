import type { Money } from "../money/money.ts";

/** The refundable part of an exchange that no tender of the event shows: what the returned items paid for. */
export interface ExchangeCreditTender {
  tenderId: string;
  type: "store_credit";
  amount: Money;
}

/**
 * In an exchange, the returned items' value pays for the new items first; only the difference is
 * tendered (or refunded). That value is still money the customer paid, so returning the new items
 * later refunds it, as store credit, under this tender id. The register's ledger and the cloud's
 * refund checks both derive it from the exchange event with this one rule, so they agree on it.
 */
export function exchangeCreditTender(exchange: {
  transactionId: string;
  returned: { value: Money };
  totals: { total: Money };
}): ExchangeCreditTender | undefined {
  const credit = Math.min(exchange.returned.value.amount, exchange.totals.total.amount);
  if (credit <= 0) return undefined;
  return {
    tenderId: `${exchange.transactionId}:exchange-credit`,
    type: "store_credit",
    amount: { amount: credit, currency: exchange.totals.total.currency },
  };
}
