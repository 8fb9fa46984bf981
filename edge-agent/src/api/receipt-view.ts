import type { LedgerTransaction } from "../ledger/ledger.ts";

/** A receipt as the register shows it: the recorded payload plus what is still returnable and refundable. */
export function receiptView(tx: LedgerTransaction) {
  return {
    transactionId: tx.transactionId,
    kind: tx.kind,
    seq: tx.seq,
    eventId: tx.eventId,
    occurredAt: tx.occurredAt,
    total: { amount: tx.total, currency: tx.currency },
    receipt: tx.receipt,
    lines: tx.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, returned: l.returned, returnable: l.quantity - l.returned })),
    tenders: tx.tenders.map((t) => ({
      tenderId: t.tenderId,
      type: t.type,
      amount: { amount: t.amount, currency: t.currency },
      refunded: { amount: t.refunded, currency: t.currency },
      refundable: { amount: t.amount - t.refunded, currency: t.currency },
    })),
  };
}
