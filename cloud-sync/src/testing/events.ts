import { newEventId, type TenderEvent } from "@tenderline/shared";

/** The envelope every test event shares: a fresh eventId unless one is given, store s1 and register r1 by default. */
function envelope(
  o: { eventId?: string; storeId?: string; registerId?: string; seq: number; occurredAt?: string },
  type: TenderEvent["type"],
  defaultOccurredAt: string,
  payload: Record<string, unknown>,
): TenderEvent {
  return {
    eventId: o.eventId ?? newEventId(),
    storeId: o.storeId ?? "s1",
    registerId: o.registerId ?? "r1",
    seq: o.seq,
    type,
    occurredAt: o.occurredAt ?? defaultOccurredAt,
    schemaVersion: 1,
    payload,
  } as TenderEvent;
}

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
  return envelope(o, "sale.completed", "2026-11-26T09:30:00.000Z", {
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
  });
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
  return envelope(o, "return.completed", "2026-11-26T10:00:00.000Z", {
    transactionId: o.transactionId ?? `ret-${o.registerId ?? "r1"}-${o.seq}`,
    cashierId: "c-17",
    reason: "did not fit",
    items: [{ originalTransactionId: o.originalTransactionId, sku: "TEE-M-BLK", quantity: 1, refund }],
    refund,
    allocation: [{ originalTransactionId: o.originalTransactionId, tenderId: o.tenderId, tenderType: "card", amount: refund }],
    verified: true,
  });
}

export interface ExchangeOptions {
  storeId?: string;
  registerId?: string;
  seq: number;
  transactionId: string;
  /** The sale the returned item came from. */
  originalTransactionId: string;
  /** Value of the returned item. */
  returnedValue: number;
  /** Total of the new item; when above the returned value the customer pays the difference in cash. */
  newTotal: number;
}

/** A valid `exchange.completed`: one item back, one new item, the difference paid in cash or refunded to the original's card. */
export function exchangeEvent(o: ExchangeOptions): TenderEvent {
  const usd = (amount: number) => ({ amount, currency: "USD" });
  const net = o.newTotal - o.returnedValue;
  return envelope(o, "exchange.completed", "2026-11-26T10:00:00.000Z", {
    transactionId: o.transactionId,
    cashierId: "c-17",
    reason: "other size",
    returned: {
      items: [{ originalTransactionId: o.originalTransactionId, sku: "TEE-M-BLK", quantity: 1, refund: usd(o.returnedValue) }],
      value: usd(o.returnedValue),
    },
    lines: [{ sku: "TEE-L-BLK", description: "Tee", quantity: 1, unitPrice: usd(o.newTotal), tax: usd(0) }],
    totals: { subtotal: usd(o.newTotal), tax: usd(0), total: usd(o.newTotal) },
    net: usd(net),
    tenders: net > 0 ? [{ tenderId: `${o.transactionId}-t1`, type: "cash", amount: usd(net) }] : [],
    allocation:
      net < 0
        ? [
            {
              originalTransactionId: o.originalTransactionId,
              tenderId: `${o.originalTransactionId}-t1`,
              tenderType: "card",
              amount: usd(-net),
            },
          ]
        : [],
    verified: true,
  });
}
