import { exchangeCreditTender, normalizeReceiptNumber } from "@tenderline/shared";
import type { RaisedException } from "../exceptions/exception-store.ts";
import { offlineTendersNeedingDetails } from "../feed/reconciliation-state.ts";
import type { TenderResult } from "../reconcile/tender-result.ts";
import { ownerRegion } from "./owner-region.ts";

export interface LogRow {
  pos: number;
  record_id: string;
  kind: "event" | "tender_result";
  store_id: string;
  body: string;
}

export interface SaleTenderRow {
  transactionId: string;
  tenderId: string;
  eventId: string;
  storeId: string;
  type: string;
  amount: number;
  currency: string;
}

export interface RefundLineRow {
  returnEventId: string;
  lineNo: number;
  returnTransactionId: string;
  storeId: string;
  originalTransactionId: string;
  tenderId: string;
  amount: number;
  currency: string;
  occurredAt: string;
}

export interface WorkRow {
  eventId: string;
  tenderId: string;
  transactionId: string;
  storeId: string;
  terminalTxnId: string;
  amount: number;
  currency: string;
  token: string;
  last4: string;
  occurredAt: string;
  owner: string;
}

/** A returnable original (a sale, an exchange's new lines, an online order), its tenders masked. */
export interface OriginalRow {
  transactionId: string;
  /** Normalised (normalizeReceiptNumber), or null. */
  receiptNumber: string | null;
  kind: "sale" | "exchange" | "order";
  eventId: string;
  storeId: string;
  registerId: string;
  channel: string | null;
  occurredAt: string;
  currency: string;
  lines: Array<{
    lineNo: number;
    sku: string;
    description: string;
    quantity: number;
    unitPrice: number;
    tax: number;
    currency: string;
  }>;
  tenders: Array<{
    tenderNo: number;
    tenderId: string;
    type: string;
    amount: number;
    currency: string;
    card: { brand: string; last4: string; token: string; processorRef: string | null } | null;
    giftCardLast4: string | null;
  }>;
}

/** Units one return or exchange took back of one original's sku. */
export interface ReturnedUnitRow {
  returnEventId: string;
  itemNo: number;
  /** The item's originalTransactionId as sent: a transaction id or (unverified returns) a receipt number. */
  originalRef: string;
  originalNorm: string;
  sku: string;
  quantity: number;
}

/** A return refunded without its original (verified: false), to be verified when the originals arrive. */
export interface UnverifiedReturnRow {
  returnEventId: string;
  transactionId: string;
  storeId: string;
  registerId: string;
  occurredAt: string;
  refund: number;
  currency: string;
  approvedBy: string | null;
  items: Array<{
    itemNo: number;
    originalRef: string;
    originalNorm: string;
    sku: string;
    quantity: number;
    refund: number;
    currency: string;
  }>;
}

export interface Derived {
  saleTenders: SaleTenderRow[];
  originals: OriginalRow[];
  returnedUnits: ReturnedUnitRow[];
  unverifiedReturns: UnverifiedReturnRow[];
  /** Processor references learned later (the register's details, a matched result). */
  processorRefs: Array<{ transactionId: string; tenderId: string; processorRef: string }>;
  refundLines: RefundLineRow[];
  /** Original transactions a refund points at: always re-checked. */
  refundChecks: string[];
  /** Transactions whose sale arrived: re-checked only if refunds of them are already held. */
  saleChecks: string[];
  work: WorkRow[];
  /** (transactionId, tenderId) whose details the register itself sent later. */
  detailsFromRegister: Array<{ transactionId: string; tenderId: string }>;
  results: TenderResult[];
  exceptions: RaisedException[];
}

interface Money {
  amount: number;
  currency: string;
}
interface ItemBody {
  originalTransactionId: string;
  sku: string;
  quantity: number;
  refund: Money;
}
interface EventBody {
  eventId: string;
  storeId: string;
  registerId: string;
  type: string;
  occurredAt: string;
  payload: {
    transactionId: string;
    tenderId?: string;
    processorRef?: string;
    receiptNumber?: string;
    channel?: string;
    lines?: Array<{ sku: string; description?: string; quantity: number; unitPrice: Money; tax: Money }>;
    tenders?: Array<{
      tenderId: string;
      type: string;
      amount: Money;
      card?: { terminalTxnId: string; token: string; last4: string; brand: string; processorRef: string | null };
      giftCard?: { last4: string };
    }>;
    allocation?: Array<{ originalTransactionId: string; tenderId: string; amount: Money }>;
    /** Returns: what came back; verified false when the original was not at hand. */
    items?: ItemBody[];
    refund?: Money;
    verified?: boolean;
    approvedBy?: { managerId: string };
    /** Exchanges: what was returned, and the new sale's totals. */
    returned?: { value: Money; items?: ItemBody[] };
    totals?: { total: Money };
  };
}

const ORIGINAL_KINDS: Record<string, OriginalRow["kind"]> = {
  "sale.completed": "sale",
  "exchange.completed": "exchange",
  "order.completed": "order",
};

/** The original a sale, an exchange (its new lines) or an online order leaves in the ledger, tenders masked. */
function originalOf(e: EventBody, refundable: ReturnType<typeof refundableTenders>): OriginalRow | null {
  const kind = ORIGINAL_KINDS[e.type];
  const p = e.payload;
  if (!kind || !p.lines || p.lines.length === 0) return null;
  const byId = new Map((p.tenders ?? []).map((t) => [t.tenderId, t]));
  return {
    transactionId: p.transactionId,
    receiptNumber: p.receiptNumber ? normalizeReceiptNumber(p.receiptNumber) : null,
    kind,
    eventId: e.eventId,
    storeId: e.storeId,
    registerId: e.registerId,
    channel: kind === "order" ? (p.channel ?? null) : null,
    occurredAt: e.occurredAt,
    currency: p.totals?.total.currency ?? p.lines[0]?.unitPrice.currency ?? "",
    lines: p.lines.map((l, lineNo) => ({
      lineNo,
      sku: l.sku,
      description: l.description ?? "",
      quantity: l.quantity,
      unitPrice: l.unitPrice.amount,
      tax: l.tax.amount,
      currency: l.unitPrice.currency,
    })),
    tenders: refundable.map((t, tenderNo) => {
      const full = byId.get(t.tenderId);
      // Only what a refund needs: never a card number, never a gift card's number or token.
      const card = full?.card
        ? { brand: full.card.brand, last4: full.card.last4, token: full.card.token, processorRef: full.card.processorRef ?? null }
        : null;
      return {
        tenderNo,
        tenderId: t.tenderId,
        type: t.type,
        amount: t.amount.amount,
        currency: t.amount.currency,
        card,
        giftCardLast4: full?.giftCard?.last4 ?? null,
      };
    }),
  };
}

/**
 * What a transaction can be refunded to: its tenders, and for an exchange also the returned value
 * that paid for its new items (refundable as store credit, shared exchangeCreditTender), which no
 * tender of the event shows.
 */
function refundableTenders(e: EventBody): Array<{ tenderId: string; type: string; amount: Money }> {
  const p = e.payload;
  const credit =
    e.type === "exchange.completed" && p.returned && p.totals
      ? exchangeCreditTender({ transactionId: p.transactionId, returned: p.returned, totals: p.totals })
      : undefined;
  return [...(credit ? [credit] : []), ...(p.tenders ?? [])];
}

/** What the merged ledger learns from a page of the log: pure, so it is tested without a database. */
export function deriveFromLog(rows: readonly LogRow[], regions: readonly string[]): Derived {
  const d: Derived = {
    saleTenders: [],
    originals: [],
    returnedUnits: [],
    unverifiedReturns: [],
    processorRefs: [],
    refundLines: [],
    refundChecks: [],
    saleChecks: [],
    work: [],
    detailsFromRegister: [],
    results: [],
    exceptions: [],
  };
  for (const row of rows) {
    if (row.kind === "tender_result") {
      const result = JSON.parse(row.body) as TenderResult;
      d.results.push(result);
      if (result.outcome === "matched" && result.processorRef) {
        d.processorRefs.push({
          transactionId: result.transactionId,
          tenderId: result.tenderId,
          processorRef: result.processorRef,
        });
      }
      if (result.outcome !== "matched") {
        d.exceptions.push({
          key: `reconcile:${result.eventId}:${result.tenderId}`,
          kind: result.outcome,
          storeId: result.storeId,
          subject: `${result.transactionId}/${result.tenderId}`,
          detail: { ...result },
        });
      }
      continue;
    }
    const e = JSON.parse(row.body) as EventBody;
    const p = e.payload;
    if (e.type === "tender.details_updated" && p.tenderId) {
      d.detailsFromRegister.push({ transactionId: p.transactionId, tenderId: p.tenderId });
      if (p.processorRef)
        d.processorRefs.push({ transactionId: p.transactionId, tenderId: p.tenderId, processorRef: p.processorRef });
    }
    const refundable = refundableTenders(e);
    const original = originalOf(e, refundable);
    if (original) d.originals.push(original);
    const items = e.type === "return.completed" ? p.items : e.type === "exchange.completed" ? p.returned?.items : undefined;
    (items ?? []).forEach((item, itemNo) => {
      d.returnedUnits.push({
        returnEventId: e.eventId,
        itemNo,
        originalRef: item.originalTransactionId,
        originalNorm: normalizeReceiptNumber(item.originalTransactionId),
        sku: item.sku,
        quantity: item.quantity,
      });
    });
    if (e.type === "return.completed" && p.verified === false && items && items.length > 0) {
      d.unverifiedReturns.push({
        returnEventId: e.eventId,
        transactionId: p.transactionId,
        storeId: e.storeId,
        registerId: e.registerId,
        occurredAt: e.occurredAt,
        refund: p.refund?.amount ?? 0,
        currency: p.refund?.currency ?? "",
        approvedBy: p.approvedBy?.managerId ?? null,
        items: items.map((item, itemNo) => ({
          itemNo,
          originalRef: item.originalTransactionId,
          originalNorm: normalizeReceiptNumber(item.originalTransactionId),
          sku: item.sku,
          quantity: item.quantity,
          refund: item.refund.amount,
          currency: item.refund.currency,
        })),
      });
    }
    if (refundable.length > 0) {
      for (const t of refundable) {
        d.saleTenders.push({
          transactionId: p.transactionId,
          tenderId: t.tenderId,
          eventId: e.eventId,
          storeId: e.storeId,
          type: t.type,
          amount: t.amount.amount,
          currency: t.amount.currency,
        });
      }
      // Refunds may have arrived before their sale (another register, another region).
      d.saleChecks.push(p.transactionId);
      for (const t of offlineTendersNeedingDetails(e)) {
        const card = (t as unknown as { card: { terminalTxnId: string; token: string; last4: string } }).card;
        const amount = (t as unknown as { amount: Money }).amount;
        d.work.push({
          eventId: e.eventId,
          tenderId: t.tenderId,
          transactionId: p.transactionId,
          storeId: e.storeId,
          terminalTxnId: card.terminalTxnId,
          amount: amount.amount,
          currency: amount.currency,
          token: card.token,
          last4: card.last4,
          occurredAt: e.occurredAt,
          owner: ownerRegion(`${e.eventId}:${t.tenderId}`, regions),
        });
      }
    }
    if (p.allocation && p.allocation.length > 0) {
      p.allocation.forEach((line, lineNo) => {
        d.refundLines.push({
          returnEventId: e.eventId,
          lineNo,
          returnTransactionId: p.transactionId,
          storeId: e.storeId,
          originalTransactionId: line.originalTransactionId,
          tenderId: line.tenderId,
          amount: line.amount.amount,
          currency: line.amount.currency,
          occurredAt: e.occurredAt,
        });
        d.refundChecks.push(line.originalTransactionId);
      });
    }
  }
  d.refundChecks = [...new Set(d.refundChecks)];
  d.saleChecks = [...new Set(d.saleChecks)];
  return d;
}
