import { newEventId, receiptNumber, type TenderEvent } from "@tenderline/shared";
import { expect } from "vitest";
import { classifyBatch } from "../ingest/classify-batch.ts";
import { ingestBatch } from "../ingest/ingest-batch.ts";
import { indexLog } from "../ledger/ledger-indexer.ts";
import type { Database } from "../storage/database.ts";

/** Test events for returns anywhere: sales with receipt numbers, online orders, verified and unverified returns. */

const usd = (amount: number) => ({ amount, currency: "USD" });

export interface LineSpec {
  sku: string;
  quantity: number;
  unitPrice: number;
  tax?: number;
}

export interface OriginalSpec {
  storeId?: string;
  registerId?: string;
  seq: number;
  transactionId: string;
  lines: LineSpec[];
  /** Paid by card, the rest (giftCard) by gift card. */
  giftCard?: number;
  occurredAt?: string;
  withReceipt?: boolean;
}

function sold(o: OriginalSpec) {
  const lines = o.lines.map((l) => ({
    sku: l.sku,
    description: `${l.sku} item`,
    quantity: l.quantity,
    unitPrice: usd(l.unitPrice),
    tax: usd(l.tax ?? 0),
  }));
  const subtotal = o.lines.reduce((s, l) => s + l.unitPrice * l.quantity, 0);
  const tax = o.lines.reduce((s, l) => s + (l.tax ?? 0), 0);
  const total = subtotal + tax;
  const gift = o.giftCard ?? 0;
  const tenders: unknown[] = [
    {
      tenderId: `${o.transactionId}-t1`,
      type: "card",
      amount: usd(total - gift),
      card: {
        token: "tok_ret_1",
        last4: "4242",
        brand: "visa",
        entryMode: "chip",
        terminalTxnId: `T-${o.transactionId}`,
        authCode: "A1",
        processorRef: `PR-${o.transactionId}`,
      },
      offline: false,
    },
  ];
  if (gift > 0) {
    tenders.push({
      tenderId: `${o.transactionId}-t2`,
      type: "gift_card",
      amount: usd(gift),
      giftCard: { token: "gift_tok_secret", last4: "9876" },
    });
  }
  return {
    transactionId: o.transactionId,
    cashierId: "c-9",
    lines,
    tenders,
    totals: { subtotal: usd(subtotal), tax: usd(tax), total: usd(total) },
  };
}

function envelope(
  o: { storeId?: string; registerId?: string; seq: number; occurredAt?: string },
  type: TenderEvent["type"],
  payload: unknown,
): TenderEvent {
  return {
    eventId: newEventId(),
    storeId: o.storeId ?? "s1",
    registerId: o.registerId ?? "r1",
    seq: o.seq,
    type,
    occurredAt: o.occurredAt ?? "2026-11-26T09:30:00.000Z",
    schemaVersion: 1,
    payload,
  } as TenderEvent;
}

/** A sale with a receipt number (unless withReceipt is false), paid by card and optionally a gift card. */
export function sale(o: OriginalSpec): TenderEvent {
  const storeId = o.storeId ?? "s1";
  const registerId = o.registerId ?? "r1";
  return envelope(o, "sale.completed", {
    ...sold(o),
    ...(o.withReceipt === false ? {} : { receiptNumber: receiptNumber(storeId, registerId, o.seq) }),
  });
}

/** An online order taken by a channel (store `online`, channel instance `web-1` by default). */
export function order(o: OriginalSpec & { channel?: string }): TenderEvent {
  return envelope({ storeId: "online", registerId: "web-1", ...o }, "order.completed", {
    ...sold(o),
    tenders: (sold(o).tenders as Array<{ card?: Record<string, unknown> }>).map((t) =>
      t.card ? { ...t, card: { ...t.card, entryMode: "ecommerce" } } : t,
    ),
    ...(o.withReceipt === false ? {} : { receiptNumber: receiptNumber(o.storeId ?? "online", o.registerId ?? "web-1", o.seq) }),
    orderId: `W-${o.transactionId}`,
    channel: o.channel ?? "web",
  });
}

export interface ReturnSpec {
  storeId?: string;
  registerId?: string;
  seq: number;
  transactionId: string;
  items: Array<{ original: string; sku: string; quantity: number; refund: number }>;
  /** Verified: refunded to these tenders of the originals; unverified: to store credit. */
  allocation?: Array<{ original: string; tenderId: string; amount: number }>;
  verified?: boolean;
  managerId?: string;
  occurredAt?: string;
  eventId?: string;
}

export function returned(r: ReturnSpec): TenderEvent {
  const refund = r.items.reduce((s, i) => s + i.refund, 0);
  const verified = r.verified ?? true;
  const e = envelope(r, "return.completed", {
    transactionId: r.transactionId,
    cashierId: "c-9",
    reason: "changed mind",
    items: r.items.map((i) => ({ originalTransactionId: i.original, sku: i.sku, quantity: i.quantity, refund: usd(i.refund) })),
    refund: usd(refund),
    allocation: verified
      ? (r.allocation ?? []).map((a) => ({
          originalTransactionId: a.original,
          tenderId: a.tenderId,
          tenderType: "card",
          amount: usd(a.amount),
        }))
      : [],
    verified,
    ...(verified ? {} : { storeCredit: { creditId: `sc-${r.transactionId}`, amount: usd(refund) } }),
    ...(r.managerId ? { approvedBy: { managerId: r.managerId, at: "2026-11-26T10:00:00.000Z" } } : {}),
  });
  return r.eventId ? { ...e, eventId: r.eventId } : e;
}

/** Records events through ingest (grouped by register, as registers send them) and runs the ledger indexer. */
export async function record(db: Database, events: readonly TenderEvent[]): Promise<void> {
  const byRegister = new Map<string, TenderEvent[]>();
  for (const e of events) {
    const key = `${e.storeId}\u0000${e.registerId}`;
    byRegister.set(key, [...(byRegister.get(key) ?? []), e]);
  }
  for (const [key, list] of byRegister) {
    const [storeId, registerId] = key.split("\u0000") as [string, string];
    // Online orders come from their order channel's credential; everything else from a register's.
    const writer = list.some((e) => e.type === "order.completed") ? "channel" : "register";
    const out = await ingestBatch(db, "A", {
      storeId,
      registerId,
      events: [],
      classified: classifyBatch(registerId, list, writer),
    });
    expect(out.results.filter((r) => r.status === "rejected")).toEqual([]);
  }
  await indexLog(db, ["A"]);
}
