import {
  computeTotals,
  type Money,
  type RefundAllocationLine,
  type ReturnedItem,
  type ReturnOriginal,
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
 * What the cloud said of a return's originals, split as the recording splits it
 * (splitCloudOriginals): originals not on this register by the ref the items named, and the
 * cloud's view of this register's own by transaction id. Empty when no region answered.
 */
export interface PreviewCloud {
  cloud?: ReadonlyMap<string, ReturnOriginal>;
  cloudView?: ReadonlyMap<string, ReturnOriginal>;
}

/** Labels of the cloud originals' tenders by tender id, from their masked card brand and last four only. */
export function cloudTenderLabels(originals: Iterable<ReturnOriginal>): Map<string, string> {
  const labels = new Map<string, string>();
  for (const o of originals) {
    for (const t of o.tenders) {
      labels.set(
        t.tenderId,
        tenderLabel({
          type: t.type,
          ...(t.card ? { card: { brand: t.card.brand, last4: t.card.last4 } } : {}),
          ...(t.giftCard ? { giftCard: { last4: t.giftCard.last4 } } : {}),
        } as Pick<Tender, "type">),
      );
    }
  }
  return labels;
}

/**
 * An allocation as a screen may hold it: a slice going back to a card the cloud verified keeps
 * its last four only (the card's token and processor reference stay with the recording).
 */
export function maskedAllocation<T extends RefundAllocationLine>(allocation: readonly T[]): Array<MaskedAllocationLine<T>> {
  return allocation.map((a) => {
    const { card, ...rest } = a;
    return card ? { ...rest, card: { last4: card.last4 } } : rest;
  });
}

export type MaskedAllocationLine<T extends RefundAllocationLine = RefundAllocationLine> = Omit<T, "card"> & {
  card?: { last4: string };
};

/**
 * What a return would refund and to which original tenders, computed with the very functions the
 * register uses to record it (planReturn + the shared allocator) but without writing anything.
 */
export function previewReturn(ledger: Ledger, items: readonly PreviewItem[], found: PreviewCloud = {}): ReturnPreview {
  const plan = planReturn(ledger, items, {
    allowUnverified: false,
    ...(found.cloud ? { cloud: found.cloud } : {}),
    ...(found.cloudView ? { cloudView: found.cloudView } : {}),
  });
  const allocation = allocate(plan, plan.perOriginal);
  const refund = plan.items.reduce((s, i) => ({ amount: s.amount + i.refund.amount, currency: s.currency }), zero(plan.currency));
  return { items: plan.items, refund, allocation };
}

/** The same for an exchange: the returned value pays for the new lines first; any rest is refunded. */
export function previewExchange(
  ledger: Ledger,
  items: readonly PreviewItem[],
  lines: readonly SaleLine[],
  found: Pick<PreviewCloud, "cloudView"> = {},
): ExchangePreview {
  const plan = planReturn(ledger, items, {
    allowUnverified: false,
    ...(found.cloudView ? { cloudView: found.cloudView } : {}),
  });
  const totals = computeTotals(lines);
  const returnedValue = plan.perOriginal.reduce(
    (s, p) => ({ amount: s.amount + p.amount.amount, currency: s.currency }),
    zero(plan.currency),
  );
  const net = subtract(totals.total, returnedValue);
  const allocation = net.amount > 0 ? [] : allocate(plan, refundsAfterNewSale(plan.perOriginal, totals.total));
  return { returnedValue, newTotal: totals.total, net, items: plan.items, allocation };
}
