import type { RefundAllocationLine } from "../events/payloads.ts";
import type { TenderType } from "../events/tenders.ts";
import { add, type Money, subtract, sum, zero } from "../money/money.ts";

/** Refunds go back card first, then gift card, then store credit, then cash. */
export const REFUND_PRIORITY: readonly TenderType[] = ["card", "gift_card", "store_credit", "cash"];

export interface OriginalTender {
  tenderId: string;
  type: TenderType;
  /** What this tender paid towards the transaction (for cash: applied, not handed over). */
  amount: Money;
}

export interface OriginalTransaction {
  transactionId: string;
  tenders: readonly OriginalTender[];
  /** Refunds already paid back against this transaction's tenders. */
  priorRefunds: ReadonlyArray<{ tenderId: string; amount: Money }>;
}

export interface RefundRequest {
  /** The original transaction the refunded items came from. */
  transactionId: string;
  amount: Money;
}

export type AllocationFailureReason = "over_refund" | "unknown_transaction" | "currency_mismatch" | "negative_amount";

export class RefundAllocationError extends Error {
  constructor(
    readonly reason: AllocationFailureReason,
    message: string,
    readonly transactionId?: string,
  ) {
    super(message);
    this.name = "RefundAllocationError";
  }
}

function priorityOf(type: TenderType): number {
  return REFUND_PRIORITY.indexOf(type);
}

/** What is still refundable on each tender of a transaction, in refund priority order. */
export function refundableTenders(original: OriginalTransaction): Array<OriginalTender & { refundable: Money }> {
  return original.tenders
    .map((t, index) => {
      const refunded = sum(
        original.priorRefunds.filter((r) => r.tenderId === t.tenderId).map((r) => r.amount),
        t.amount.currency,
      );
      return { ...t, index, refundable: subtract(t.amount, refunded) };
    })
    .sort((a, b) => priorityOf(a.type) - priorityOf(b.type) || a.index - b.index)
    .map(({ index: _index, ...t }) => t);
}

export function totalRefundable(original: OriginalTransaction, currency: string): Money {
  return sum(
    refundableTenders(original).map((t) => (t.refundable.amount > 0 ? t.refundable : zero(currency))),
    currency,
  );
}

/**
 * Allocates a refund to the original tenders, per original transaction, deterministically: each
 * request is spread over its transaction's tenders in REFUND_PRIORITY order (ties by the tender's
 * position in the sale), each capped at what is still refundable on it. Asking for more than is
 * refundable is an error, never a silent cap. Several requests for one transaction see each
 * other's allocations. Zero-amount slices are left out.
 */
export function allocateRefund(
  originals: readonly OriginalTransaction[],
  requests: readonly RefundRequest[],
): RefundAllocationLine[] {
  const byId = new Map(originals.map((o) => [o.transactionId, o]));
  // Refunds allocated by this call, so repeated requests against one transaction stack up.
  const allocatedHere = new Map<string, Array<{ tenderId: string; amount: Money }>>();
  const lines: RefundAllocationLine[] = [];

  for (const request of requests) {
    const original = byId.get(request.transactionId);
    if (!original) {
      throw new RefundAllocationError(
        "unknown_transaction",
        `transaction ${request.transactionId} is not known here, so its tenders cannot be refunded`,
        request.transactionId,
      );
    }
    if (request.amount.amount < 0) {
      throw new RefundAllocationError("negative_amount", "a refund amount cannot be negative", request.transactionId);
    }
    const currency = request.amount.currency;
    for (const t of original.tenders) {
      if (t.amount.currency !== currency) {
        throw new RefundAllocationError(
          "currency_mismatch",
          `refund in ${currency} cannot go back to tender ${t.tenderId} paid in ${t.amount.currency}`,
          request.transactionId,
        );
      }
    }
    const earlier = allocatedHere.get(request.transactionId) ?? [];
    const view: OriginalTransaction = { ...original, priorRefunds: [...original.priorRefunds, ...earlier] };
    const available = totalRefundable(view, currency);
    if (request.amount.amount > available.amount) {
      throw new RefundAllocationError(
        "over_refund",
        `refund of ${request.amount.amount} ${currency} on transaction ${request.transactionId} exceeds the ${available.amount} ${currency} still refundable`,
        request.transactionId,
      );
    }
    let left = request.amount;
    for (const tender of refundableTenders(view)) {
      if (left.amount === 0) break;
      if (tender.refundable.amount <= 0) continue;
      const take = tender.refundable.amount < left.amount ? tender.refundable : left;
      lines.push({
        originalTransactionId: request.transactionId,
        tenderId: tender.tenderId,
        tenderType: tender.type,
        amount: take,
      });
      earlier.push({ tenderId: tender.tenderId, amount: take });
      left = subtract(left, take);
    }
    allocatedHere.set(request.transactionId, earlier);
  }
  return lines;
}

/** Sum of an allocation, for checking it against the requested refund. */
export function allocationTotal(lines: readonly RefundAllocationLine[], currency: string): Money {
  return lines.reduce((s, l) => add(s, l.amount), zero(currency));
}
