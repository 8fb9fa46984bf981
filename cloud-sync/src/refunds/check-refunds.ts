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
  let failure: string | null = null;
  try {
    allocateRefund(
      [original],
      ordered.map((r) => ({ transactionId, amount: { amount: r.amount, currency } })),
    );
  } catch (error) {
    if (!(error instanceof RefundAllocationError)) throw error;
    failure = `${error.reason}: ${error.message}`;
  }
  // Tender by tender, as the registers actually paid the refunds back.
  const overdrawn = paid.flatMap((t) => {
    const refunded = slices.filter((s) => s.tenderId === t.tenderId).reduce((sum, s) => sum + s.amount, 0);
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
