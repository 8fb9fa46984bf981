import {
  computeTotals,
  type Money,
  type RefundAllocationLine,
  type ReturnedItem,
  type SaleLine,
  subtract,
  type Tender,
  zero,
} from "@tenderline/shared";
import type { Ledger } from "../ledger/ledger.ts";
import { refundsAfterNewSale } from "../register/register-service.ts";
import { allocate, planReturn } from "../register/return-plan.ts";

export interface PreviewItem {
  transactionId: string;
  sku: string;
  quantity: number;
}

export interface ReturnPreview {
  items: ReturnedItem[];
  refund: Money;
  allocation: RefundAllocationLine[];
}

export interface ExchangePreview {
  returnedValue: Money;
  newTotal: Money;
  /** Positive: the customer pays it; negative or zero: refunded per allocation. */
  net: Money;
  items: ReturnedItem[];
  allocation: RefundAllocationLine[];
}

/** "Visa •••• 4242", "Cash", "Gift card •••• 1234": how a tender is named on screen (never more than last4). */
export function tenderLabel(tender: Pick<Tender, "type"> & Partial<Tender>): string {
  switch (tender.type) {
    case "card": {
      const card = (tender as { card?: { brand: string; last4: string } }).card;
      const brand = card ? card.brand.charAt(0).toUpperCase() + card.brand.slice(1) : "Card";
      return card ? `${brand} •••• ${card.last4}` : "Card";
    }
    case "gift_card": {
      const gc = (tender as { giftCard?: { last4: string } }).giftCard;
      return gc ? `Gift card •••• ${gc.last4}` : "Gift card";
    }
    case "store_credit":
      return "Store credit";
    default:
      return "Cash";
  }
}

/**
 * What a return would refund and to which original tenders, computed with the very functions the
 * register uses to record it (planReturn + the shared allocator) but without writing anything.
 */
export function previewReturn(ledger: Ledger, items: readonly PreviewItem[]): ReturnPreview {
  const plan = planReturn(ledger, items, { allowUnverified: false });
  const allocation = allocate(plan, plan.perOriginal);
  const refund = plan.items.reduce((s, i) => ({ amount: s.amount + i.refund.amount, currency: s.currency }), zero(plan.currency));
  return { items: plan.items, refund, allocation };
}

/** The same for an exchange: the returned value pays for the new lines first; any rest is refunded. */
export function previewExchange(ledger: Ledger, items: readonly PreviewItem[], lines: readonly SaleLine[]): ExchangePreview {
  const plan = planReturn(ledger, items, { allowUnverified: false });
  const totals = computeTotals(lines);
  const returnedValue = plan.perOriginal.reduce(
    (s, p) => ({ amount: s.amount + p.amount.amount, currency: s.currency }),
    zero(plan.currency),
  );
  const net = subtract(totals.total, returnedValue);
  const allocation = net.amount > 0 ? [] : allocate(plan, refundsAfterNewSale(plan.perOriginal, totals.total));
  return { returnedValue, newTotal: totals.total, net, items: plan.items, allocation };
}
