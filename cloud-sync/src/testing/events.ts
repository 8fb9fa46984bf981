import { newEventId, type TenderEvent } from "@tenderline/shared";

export interface SaleOptions {
  storeId?: string;
  registerId?: string;
  seq: number;
  eventId?: string;
  transactionId?: string;
  cardAmount?: number;
  cashAmount?: number;
  offline?: boolean;
  terminalTxnId?: string;
  occurredAt?: string;
}

/** A valid `sale.completed` event: one line, a card tender (offline by default) and optionally cash. */
export function saleEvent(o: SaleOptions): TenderEvent {
  const card = o.cardAmount ?? 3000;
  const cash = o.cashAmount ?? 0;
  const total = card + cash;
  const transactionId = o.transactionId ?? `txn-${o.registerId ?? "r1"}-${o.seq}`;
  const tenders: unknown[] = [
    {
      tenderId: `${transactionId}-t1`,
      type: "card",
      amount: { amount: card, currency: "USD" },
      card: {
        token: "tok_9f2c",
        last4: "4242",
        brand: "visa",
        entryMode: "chip",
        terminalTxnId: o.terminalTxnId ?? `T-${transactionId}`,
        authCode: o.offline === false ? "A1B2C3" : null,
        processorRef: o.offline === false ? "PR-1" : null,
      },
      offline: o.offline ?? true,
    },
  ];
  if (cash > 0) tenders.push({ tenderId: `${transactionId}-t2`, type: "cash", amount: { amount: cash, currency: "USD" } });
  return {
    eventId: o.eventId ?? newEventId(),
    storeId: o.storeId ?? "s1",
    registerId: o.registerId ?? "r1",
    seq: o.seq,
    type: "sale.completed",
    occurredAt: o.occurredAt ?? "2026-11-26T09:30:00.000Z",
    schemaVersion: 1,
    payload: {
      transactionId,
      cashierId: "c-17",
      lines: [
        {
          sku: "TEE-M-BLK",
          description: "Tee",
          quantity: 1,
          unitPrice: { amount: total, currency: "USD" },
          tax: { amount: 0, currency: "USD" },
        },
      ],
      tenders,
      totals: {
        subtotal: { amount: total, currency: "USD" },
        tax: { amount: 0, currency: "USD" },
        total: { amount: total, currency: "USD" },
      },
    },
  } as TenderEvent;
}

export interface ReturnOptions {
  storeId?: string;
  registerId?: string;
  seq: number;
  originalTransactionId: string;
  tenderId: string;
  amount: number;
  transactionId?: string;
  occurredAt?: string;
}

/** A valid `return.completed` refunding `amount` to one tender of an original sale. */
export function returnEvent(o: ReturnOptions): TenderEvent {
  const refund = { amount: o.amount, currency: "USD" };
  return {
    eventId: newEventId(),
    storeId: o.storeId ?? "s1",
    registerId: o.registerId ?? "r1",
    seq: o.seq,
    type: "return.completed",
    occurredAt: o.occurredAt ?? "2026-11-26T10:00:00.000Z",
    schemaVersion: 1,
    payload: {
      transactionId: o.transactionId ?? `ret-${o.registerId ?? "r1"}-${o.seq}`,
      cashierId: "c-17",
      reason: "did not fit",
      items: [{ originalTransactionId: o.originalTransactionId, sku: "TEE-M-BLK", quantity: 1, refund }],
      refund,
      allocation: [{ originalTransactionId: o.originalTransactionId, tenderId: o.tenderId, tenderType: "card", amount: refund }],
      verified: true,
    },
  } as TenderEvent;
}
