import { itemRefund, type SaleLine } from "@tenderline/shared";
import type { RaisedException } from "../exceptions/exception-store.ts";

/** One item of an unverified return, as the register recorded it. */
export interface UnverifiedItem {
  originalRef: string;
  sku: string;
  quantity: number;
  refund: number;
  currency: string;
}

export interface UnverifiedReturnFacts {
  returnEventId: string;
  transactionId: string;
  storeId: string;
  registerId: string;
  occurredAt: string;
  approvedBy: string | null;
  items: UnverifiedItem[];
}

/** What the ledger knows of an original: its lines (by sku, as sold). */
export interface KnownOriginal {
  transactionId: string;
  receiptNumber: string | null;
  lines: Array<{ sku: string; quantity: number; unitPrice: number; tax: number; currency: string }>;
}

export interface ItemProblem {
  originalTransactionId: string;
  sku: string;
  /** quantity: more units than the original sold; price: more money than those units paid; currency: another currency. */
  exceeded: "quantity" | "price" | "currency";
  quantity: number;
  sold: number;
  refund: number;
  maxRefund: number | null;
  currency: string;
  originalCurrency: string;
}

export type Verdict =
  | { status: "waiting" }
  | { status: "verified" }
  | { status: "mismatch"; reason: string; problems: ItemProblem[]; exception: RaisedException };

/** The most that returning `quantity` of a line can refund (the shared itemRefund, at its most generous tax share). */
function maxRefundOf(line: SaleLine, quantity: number): number {
  const last = line.quantity - quantity;
  // Tax shares differ by at most a cent between starting points; a long line is bounded by its first few.
  const starts = last <= 64 ? Array.from({ length: last + 1 }, (_, k) => k) : [0, 1, last - 1, last];
  return Math.max(...starts.map((k) => itemRefund(line, k, quantity).amount));
}

/**
 * Checks an unverified return against the originals it names, once the ledger holds every one:
 * per (original, sku), no more units than the original sold of that sku, and no more refund than
 * the shared itemRefund of those units. Pure: the caller loads the originals (by transaction id or
 * receipt number, `find`).
 */
export function verifyUnverifiedReturn(ret: UnverifiedReturnFacts, find: (ref: string) => KnownOriginal | undefined): Verdict {
  const grouped = new Map<string, { original: KnownOriginal; sku: string; quantity: number; refund: number; currency: string }>();
  for (const item of ret.items) {
    const original = find(item.originalRef);
    if (!original) return { status: "waiting" };
    const key = `${original.transactionId}\u0000${item.sku}`;
    const g = grouped.get(key) ?? { original, sku: item.sku, quantity: 0, refund: 0, currency: item.currency };
    g.quantity += item.quantity;
    g.refund += item.refund;
    grouped.set(key, g);
  }
  const problems: ItemProblem[] = [];
  for (const g of grouped.values()) {
    const lines = g.original.lines.filter((l) => l.sku === g.sku);
    const sold = lines.reduce((s, l) => s + l.quantity, 0);
    const originalCurrency = lines[0]?.currency ?? "";
    const base = {
      originalTransactionId: g.original.transactionId,
      sku: g.sku,
      quantity: g.quantity,
      sold,
      refund: g.refund,
      currency: g.currency,
      originalCurrency,
    };
    if (g.quantity > sold) {
      problems.push({ ...base, exceeded: "quantity", maxRefund: null });
      continue;
    }
    if (g.currency !== originalCurrency) {
      problems.push({ ...base, exceeded: "currency", maxRefund: null });
      continue;
    }
    // Several lines of one sku: bounded as one line at the highest unit price and all their tax.
    const merged: SaleLine = {
      sku: g.sku,
      description: "",
      quantity: sold,
      unitPrice: { amount: Math.max(...lines.map((l) => l.unitPrice)), currency: originalCurrency },
      tax: { amount: lines.reduce((s, l) => s + l.tax, 0), currency: originalCurrency },
    };
    const maxRefund = maxRefundOf(merged, g.quantity);
    if (g.refund > maxRefund) problems.push({ ...base, exceeded: "price", maxRefund });
  }
  if (problems.length === 0) return { status: "verified" };
  const reason = problems.map(describeProblem).join("; ");
  return {
    status: "mismatch",
    reason,
    problems,
    exception: {
      key: `unverified_return_mismatch:${ret.returnEventId}`,
      kind: "unverified_return_mismatch",
      storeId: ret.storeId,
      subject: ret.transactionId,
      detail: {
        returnEventId: ret.returnEventId,
        transactionId: ret.transactionId,
        storeId: ret.storeId,
        registerId: ret.registerId,
        occurredAt: ret.occurredAt,
        managerId: ret.approvedBy,
        reason,
        problems,
      },
    },
  };
}

function describeProblem(p: ItemProblem): string {
  switch (p.exceeded) {
    case "quantity":
      return `${p.quantity} of ${p.sku} returned but original ${p.originalTransactionId} sold ${p.sold}`;
    case "currency":
      return `${p.sku} refunded in ${p.currency} but original ${p.originalTransactionId} was paid in ${p.originalCurrency}`;
    case "price":
      return `${p.quantity} of ${p.sku} refunded ${p.refund} ${p.currency} but paid at most ${p.maxRefund} on original ${p.originalTransactionId}`;
  }
}
