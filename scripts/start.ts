/**
 * `pnpm start`: until the agent and regions run, shows the shared contract at work on the
 * architecture brief's sample sale: validation, content hash and the refund allocation of a return.
 */
import {
  allocateRefund,
  computeTotals,
  contentHash,
  formatMoney,
  money,
  newEventId,
  settleTenders,
  TenderEventSchema,
} from "@tenderline/shared";

const lines = [
  { sku: "TEE-M-BLK", description: "Tee, black, M", quantity: 2, unitPrice: money(1999, "USD"), tax: money(330, "USD") },
];
const totals = computeTotals(lines);
const { tenders, change } = settleTenders(totals.total, [
  { tenderId: "t1", type: "card" as const, amount: money(3000, "USD") },
  { tenderId: "t2", type: "cash" as const, amount: money(1328, "USD"), tendered: money(2000, "USD") },
]);
console.log(`sale total ${formatMoney(totals.total)}, change ${formatMoney(change)}`);
const event = TenderEventSchema.parse({
  eventId: newEventId(),
  storeId: "store-1",
  registerId: "reg-1",
  seq: 1,
  type: "sale.completed",
  occurredAt: new Date().toISOString(),
  schemaVersion: 1,
  payload: {
    transactionId: "txn-1",
    cashierId: "c-17",
    lines,
    totals,
    change,
    tenders: [
      {
        ...tenders[0],
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
      },
      tenders[1],
    ],
  },
});
console.log(`event ${event.eventId} valid, content hash ${contentHash(event).slice(0, 16)}…`);
const allocation = allocateRefund(
  [
    {
      transactionId: "txn-1",
      tenders: tenders.map((t) => ({ tenderId: t.tenderId, type: t.type, amount: t.amount })),
      priorRefunds: [],
    },
  ],
  [{ transactionId: "txn-1", amount: money(3500, "USD") }],
);
for (const a of allocation) console.log(`refund ${formatMoney(a.amount)} to ${a.tenderType} tender ${a.tenderId}`);
