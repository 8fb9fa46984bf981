/** Builders of valid events for tests: each test changes only what it is about. */
import { newEventId } from "../ids/event-id.ts";
import { money } from "../money/money.ts";

export function usd(amount: number) {
  return money(amount, "USD");
}

export function envelope(type: string, payload: unknown, seq = 1) {
  return {
    eventId: newEventId(),
    storeId: "store-1",
    registerId: "reg-1",
    seq,
    type,
    occurredAt: "2026-11-26T09:30:00.000-05:00",
    schemaVersion: 1,
    payload,
  };
}

export function cardTender(amount: number, overrides: Record<string, unknown> = {}) {
  return {
    tenderId: "tn-card",
    type: "card",
    amount: usd(amount),
    card: {
      token: "tok_9f2c",
      last4: "4242",
      brand: "visa",
      entryMode: "chip",
      terminalTxnId: "T-000123",
      authCode: null,
      processorRef: null,
    },
    offline: true,
    ...overrides,
  };
}

export function salePayload() {
  return {
    transactionId: "txn-1",
    cashierId: "c-17",
    lines: [{ sku: "TEE-M-BLK", description: "Tee, black, M", quantity: 2, unitPrice: usd(1999), tax: usd(330) }],
    tenders: [cardTender(3000), { tenderId: "tn-cash", type: "cash", amount: usd(1328), tendered: usd(2000), change: usd(672) }],
    totals: { subtotal: usd(3998), tax: usd(330), total: usd(4328) },
    change: usd(672),
  };
}

export function returnPayload() {
  return {
    transactionId: "txn-r1",
    cashierId: "c-17",
    reason: "wrong size",
    items: [{ originalTransactionId: "txn-1", sku: "TEE-M-BLK", quantity: 1, refund: usd(2164) }],
    refund: usd(2164),
    allocation: [{ originalTransactionId: "txn-1", tenderId: "tn-card", tenderType: "card", amount: usd(2164) }],
    verified: true,
  };
}

export function exchangePayload() {
  return {
    transactionId: "txn-x1",
    cashierId: "c-17",
    reason: "size swap",
    returned: { items: [{ originalTransactionId: "txn-1", sku: "TEE-M-BLK", quantity: 1, refund: usd(2164) }], value: usd(2164) },
    lines: [{ sku: "TEE-L-BLK", description: "Tee, black, L", quantity: 1, unitPrice: usd(2499), tax: usd(206) }],
    totals: { subtotal: usd(2499), tax: usd(206), total: usd(2705) },
    net: usd(541),
    tenders: [{ tenderId: "tn-x-cash", type: "cash", amount: usd(541) }],
    allocation: [],
    verified: true,
  };
}
