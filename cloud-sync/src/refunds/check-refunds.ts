import { allocateRefund, type OriginalTransaction, RefundAllocationError } from "@tenderline/shared";
import type { RaisedException } from "../exceptions/exception-store.ts";

export interface PaidTender {
  tenderId: string;
  type: string;
  amount: number;
  currency: string;
  storeId: string;
}

export interface RefundSlice {
  returnEventId: string;
  returnTransactionId: string;
  storeId: string;
  tenderId: string;
  amount: number;
  currency: string;
  occurredAt: string;
}

/**
 * Re-checks every refund against one original transaction with the shared allocator, over the
 * merged ledger (all registers, all regions): the returns, in the order they happened, must fit
 * in what was paid, in total and tender by tender. Returns the over_refund exception, if any,
 * naming every return involved.
 */
export function checkRefunds(
  transactionId: string,
  paid: readonly PaidTender[],
  slices: readonly RefundSlice[],
): RaisedException | null {
  if (paid.length === 0 || slices.length === 0) return null;
  const currency = (paid[0] as PaidTender).currency;
  // Compared slice by slice: a refund in another currency than the tender it goes back to is
  // never summed against it (an amount of EUR says nothing about USD paid).
  const tenderCurrency = new Map(paid.map((t) => [t.tenderId, t.currency]));
  const currencyMismatches = slices
    .filter((s) => s.currency !== (tenderCurrency.get(s.tenderId) ?? currency))
    .map((s) => ({
      returnEventId: s.returnEventId,
      tenderId: s.tenderId,
      currency: s.currency,
      tenderCurrency: tenderCurrency.get(s.tenderId) ?? currency,
      amount: s.amount,
    }));
  const returns = new Map<
    string,
    { eventId: string; transactionId: string; storeId: string; occurredAt: string; amount: number }
  >();
  for (const s of slices) {
    const r = returns.get(s.returnEventId) ?? {
      eventId: s.returnEventId,
      transactionId: s.returnTransactionId,
      storeId: s.storeId,
      occurredAt: s.occurredAt,
      amount: 0,
    };
    r.amount += s.amount;
    returns.set(s.returnEventId, r);
  }
  // The order the refunds happened in; the event id breaks ties the same way in every region.
  const ordered = [...returns.values()].sort((a, b) =>
    a.occurredAt === b.occurredAt ? (a.eventId < b.eventId ? -1 : 1) : a.occurredAt < b.occurredAt ? -1 : 1,
  );
  const original: OriginalTransaction = {
    transactionId,
    tenders: paid.map((t) => ({
      tenderId: t.tenderId,
      type: t.type as OriginalTransaction["tenders"][number]["type"],
      amount: { amount: t.amount, currency: t.currency },
    })),
    priorRefunds: [],
  };
  const failure =
    currencyMismatches.length > 0
      ? `currency_mismatch: ${currencyMismatches.length} refund slice(s) are not in the currency of the tender they go back to`
      : allocatorFailure(original, ordered, currency);
  // Tender by tender, as the registers actually paid the refunds back.
  const overdrawn = paid.flatMap((t) => {
    const refunded = slices
      .filter((s) => s.tenderId === t.tenderId && s.currency === t.currency)
      .reduce((sum, s) => sum + s.amount, 0);
    return refunded > t.amount ? [{ tenderId: t.tenderId, paid: t.amount, refunded }] : [];
  });
  if (failure === null && overdrawn.length === 0) return null;
  const paidTotal = paid.reduce((s, t) => s + t.amount, 0);
  const refundedTotal = ordered.reduce((s, r) => s + r.amount, 0);
  return {
    key: `over_refund:${transactionId}`,
    kind: "over_refund",
    storeId: (paid[0] as PaidTender).storeId,
    subject: transactionId,
    detail: {
      originalTransactionId: transactionId,
      currency,
      paid: paidTotal,
      refunded: refundedTotal,
      allocator: failure,
      overdrawnTenders: overdrawn,
      currencyMismatches,
      returns: ordered.map((r) => ({
        eventId: r.eventId,
        transactionId: r.transactionId,
        storeId: r.storeId,
        occurredAt: r.occurredAt,
        amount: r.amount,
      })),
    },
  };
}

/** What the shared allocator says of these refunds, in order, against the original: null when they fit. */
function allocatorFailure(
  original: OriginalTransaction,
  ordered: ReadonlyArray<{ amount: number }>,
  currency: string,
): string | null {
  try {
    allocateRefund(
      [original],
      ordered.map((r) => ({ transactionId: original.transactionId, amount: { amount: r.amount, currency } })),
    );
    return null;
  } catch (error) {
    if (!(error instanceof RefundAllocationError)) throw error;
    return `${error.reason}: ${error.message}`;
  }
}
