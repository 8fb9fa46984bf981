import { randomInt } from "node:crypto";
import {
  generateStoredValueKeys,
  newEventId,
  type StoredValueKeys,
  type StoredValueKind,
  sealNumber,
  storedValueToken,
  type TenderEvent,
} from "@tenderline/shared";
import { expect } from "vitest";
import { classifyBatch } from "../ingest/classify-batch.ts";
import { ingestBatch } from "../ingest/ingest-batch.ts";
import { indexLog } from "../ledger/ledger-indexer.ts";
import type { Database } from "../storage/database.ts";
import { sealedResolver } from "./keys.ts";
import { indexStoredValue } from "./stored-value-indexer.ts";

/** Test fixtures for the stored-value ledger: keys, card numbers (test-only, never logged), events. */

/** One key pair for a test file (RSA generation takes a moment). */
export const KEYS: StoredValueKeys = generateStoredValueKeys();
export const resolver = sealedResolver(KEYS);

const usd = (amount: number) => ({ amount, currency: "USD" });

export interface TestCard {
  kind: StoredValueKind;
  number: string;
  last4: string;
  token: string;
  /** Sealed afresh each call (RSA-OAEP is randomised). */
  sealed(): string;
}

/** A new random gift card (or store credit) number, and what a register would send instead of it. */
export function newCard(kind: StoredValueKind = "gift_card", keys: StoredValueKeys = KEYS): TestCard {
  const number = `6035${Array.from({ length: 15 }, () => randomInt(10)).join("")}`;
  return {
    kind,
    number,
    last4: number.slice(-4),
    token: storedValueToken(keys.tokenKey, kind, number),
    sealed: () => sealNumber(keys.sealPublicKey, number),
  };
}

let seqs = new Map<string, number>();
/** The next seq of a register (unique per test file). */
export function nextSeq(storeId: string, registerId: string): number {
  const key = `${storeId}/${registerId}`;
  const n = (seqs.get(key) ?? 0) + 1;
  seqs.set(key, n);
  return n;
}
export function resetSeqs(): void {
  seqs = new Map();
}

interface Where {
  storeId?: string;
  registerId?: string;
  eventId?: string;
  transactionId?: string;
  occurredAt?: string;
}

function envelope(o: Where, type: TenderEvent["type"], payload: Record<string, unknown>): TenderEvent {
  const storeId = o.storeId ?? "s1";
  const registerId = o.registerId ?? "r1";
  return {
    eventId: o.eventId ?? newEventId(),
    storeId,
    registerId,
    seq: nextSeq(storeId, registerId),
    type,
    occurredAt: o.occurredAt ?? "2026-12-01T10:00:00.000Z",
    schemaVersion: 1,
    payload,
  } as TenderEvent;
}

export type TenderSpec =
  | { type: "gift_card"; amount: number; card: TestCard; online?: { holdId: string } }
  | { type: "store_credit"; amount: number; card: TestCard; online?: { holdId: string } };

export interface SaleSpec extends Where {
  /** Gift cards sold or topped up on this sale. */
  activate?: Array<{ card: TestCard; amount: number; action?: "activate" | "load"; byToken?: boolean }>;
  /** Other goods on the sale. */
  goods?: number;
  /** Stored-value tenders; cash pays the rest. */
  tenders?: TenderSpec[];
}

/** A valid `sale.completed`: gift card lines and goods, paid by gift card / store credit and cash for the rest. */
export function svSale(s: SaleSpec): TenderEvent {
  const transactionId = s.transactionId ?? `sv-${newEventId().slice(-12)}`;
  const lines: unknown[] = (s.activate ?? []).map((a) => ({
    sku: "GIFT-CARD",
    description: "Gift card",
    quantity: 1,
    unitPrice: usd(a.amount),
    tax: usd(0),
    storedValue: {
      action: a.action ?? "activate",
      last4: a.card.last4,
      ...(a.byToken ? { token: a.card.token } : { sealed: a.card.sealed() }),
    },
  }));
  if (s.goods !== undefined && s.goods > 0) {
    lines.push({ sku: "TEE", description: "Tee", quantity: 1, unitPrice: usd(s.goods), tax: usd(0) });
  }
  const total = (s.activate ?? []).reduce((n, a) => n + a.amount, 0) + (s.goods ?? 0);
  const tenders: unknown[] = (s.tenders ?? []).map((t, i) => {
    const tenderId = `${transactionId}-sv${i + 1}`;
    if (t.type === "gift_card") {
      return {
        tenderId,
        type: "gift_card",
        amount: usd(t.amount),
        giftCard: t.online
          ? { token: t.card.token, last4: t.card.last4, holdId: t.online.holdId }
          : { last4: t.card.last4, sealed: t.card.sealed() },
      };
    }
    return {
      tenderId,
      type: "store_credit",
      amount: usd(t.amount),
      ...(t.online
        ? { creditId: t.card.token, last4: t.card.last4, holdId: t.online.holdId }
        : { creditId: `sc-${tenderId}`, last4: t.card.last4, sealed: t.card.sealed() }),
    };
  });
  const paid = (s.tenders ?? []).reduce((n, t) => n + t.amount, 0);
  if (total - paid > 0) tenders.push({ tenderId: `${transactionId}-cash`, type: "cash", amount: usd(total - paid) });
  return envelope({ ...s, transactionId }, "sale.completed", {
    transactionId,
    cashierId: "c-1",
    lines,
    tenders,
    totals: { subtotal: usd(total), tax: usd(0), total: usd(total) },
  });
}

/** A verified return refunding `amount` to one tender (gift card or store credit) of an original. */
export function svRefund(
  o: Where & { originalTransactionId: string; tenderId: string; tenderType: StoredValueKind; amount: number },
): TenderEvent {
  const refund = usd(o.amount);
  return envelope(o, "return.completed", {
    transactionId: o.transactionId ?? `ret-${newEventId().slice(-12)}`,
    cashierId: "c-1",
    reason: "did not fit",
    items: [{ originalTransactionId: o.originalTransactionId, sku: "TEE", quantity: 1, refund }],
    refund,
    allocation: [
      { originalTransactionId: o.originalTransactionId, tenderId: o.tenderId, tenderType: o.tenderType, amount: refund },
    ],
    verified: true,
  });
}

/** An unverified return refunded to store credit: the credit's number sealed for the regions. */
export function svCreditReturn(o: Where & { card: TestCard; amount: number; sealed?: string; expiresAt?: string }): TenderEvent {
  const refund = usd(o.amount);
  const transactionId = o.transactionId ?? `ret-${newEventId().slice(-12)}`;
  return envelope(o, "return.completed", {
    transactionId,
    cashierId: "c-1",
    reason: "gift receipt",
    items: [{ originalTransactionId: "ELSEWHERE-1", sku: "TEE", quantity: 1, refund }],
    refund,
    allocation: [],
    verified: false,
    storeCredit: {
      creditId: `sc-${transactionId}`,
      amount: refund,
      last4: o.card.last4,
      sealed: o.sealed ?? o.card.sealed(),
      ...(o.expiresAt ? { expiresAt: o.expiresAt } : {}),
    },
  });
}

/** A manager's void of a card's balance, capturing the hold the register took for it. */
export function svVoid(o: Where & { card: TestCard; amount: number; holdId: string }): TenderEvent {
  return envelope(o, "stored_value.voided", {
    voidId: o.holdId,
    cashierId: "c-1",
    kind: o.card.kind,
    token: o.card.token,
    last4: o.card.last4,
    amount: usd(o.amount),
    holdId: o.holdId,
    reason: "reported stolen",
    approvedBy: { managerId: "m-1", at: "2026-12-01T10:00:00.000Z" },
  });
}

/** The tender id svSale gives its i-th stored-value tender (from 0). */
export const svTenderId = (e: TenderEvent, i = 0) => `${(e.payload as { transactionId: string }).transactionId}-sv${i + 1}`;

/** Ingests events (grouped by register) into a region and runs both indexers. */
export async function recordSv(
  db: Database,
  events: readonly TenderEvent[],
  region = "A",
  regions: readonly string[] = [region],
): Promise<void> {
  const byRegister = new Map<string, TenderEvent[]>();
  for (const e of events) {
    const key = `${e.storeId}\u0000${e.registerId}`;
    byRegister.set(key, [...(byRegister.get(key) ?? []), e]);
  }
  for (const [key, list] of byRegister) {
    const [storeId, registerId] = key.split("\u0000") as [string, string];
    const out = await ingestBatch(db, region, { storeId, registerId, events: [], classified: classifyBatch(registerId, list) });
    expect(out.results.filter((r) => r.status === "rejected")).toEqual([]);
  }
  await indexLog(db, regions);
  await indexStoredValue(db, resolver);
}
