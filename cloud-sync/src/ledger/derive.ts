import { exchangeCreditTender } from "@tenderline/shared";
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

export interface Derived {
  saleTenders: SaleTenderRow[];
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
interface EventBody {
  eventId: string;
  storeId: string;
  type: string;
  occurredAt: string;
  payload: {
    transactionId: string;
    tenderId?: string;
    tenders?: Array<{
      tenderId: string;
      type: string;
      amount: Money;
      card?: { terminalTxnId: string; token: string; last4: string };
    }>;
    allocation?: Array<{ originalTransactionId: string; tenderId: string; amount: Money }>;
    /** Exchanges: what was returned, and the new sale's totals. */
    returned?: { value: Money };
    totals?: { total: Money };
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
    }
    const refundable = refundableTenders(e);
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
