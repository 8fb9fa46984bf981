import { createHash } from "node:crypto";
import { canonicalJson, type Money, sha256Hex } from "@tenderline/shared";
import type { NewRecord } from "../ingest/store-records.ts";
import type { TenderLookupResult } from "../processor/tender-authority.ts";

/**
 * The processor's answer for one offline tender, as a record of the log. Its content depends only
 * on the tender and the answer (no times, no region), and its id only on the tender, so whichever
 * instance or region decides it, the same answer is the same record.
 */
export interface TenderResult {
  type: "tender.reconciled";
  schemaVersion: 1;
  resultId: string;
  eventId: string;
  transactionId: string;
  tenderId: string;
  storeId: string;
  terminalTxnId: string;
  outcome: "matched" | "amount_mismatch" | "declined" | "not_found";
  expected: Money;
  authCode?: string | null;
  processorRef?: string | null;
  processorAmount?: Money;
  declineReason?: string;
  detail?: string;
}

/** A UUID (version 8, RFC 9562 custom) derived from the tender: the same in every region. */
export function tenderResultId(eventId: string, tenderId: string): string {
  const h = createHash("sha256").update(`tender_result:${eventId.toLowerCase()}:${tenderId}`).digest("hex");
  const variant = ((Number.parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface TenderRef {
  eventId: string;
  transactionId: string;
  tenderId: string;
  storeId: string;
  terminalTxnId: string;
  expected: Money;
}

export function tenderResult(ref: TenderRef, answer: TenderLookupResult): TenderResult {
  const base = {
    type: "tender.reconciled" as const,
    schemaVersion: 1 as const,
    resultId: tenderResultId(ref.eventId, ref.tenderId),
    eventId: ref.eventId,
    transactionId: ref.transactionId,
    tenderId: ref.tenderId,
    storeId: ref.storeId,
    terminalTxnId: ref.terminalTxnId,
    expected: ref.expected,
  };
  switch (answer.outcome) {
    case "matched":
      return { ...base, outcome: "matched", authCode: answer.authCode, processorRef: answer.processorRef };
    case "amount_mismatch":
      return {
        ...base,
        outcome: "amount_mismatch",
        authCode: answer.authCode,
        processorRef: answer.processorRef,
        processorAmount: answer.processorAmount,
      };
    case "declined":
      return { ...base, outcome: "declined", declineReason: answer.reason };
    case "not_found":
      return { ...base, outcome: "not_found", ...(answer.detail ? { detail: answer.detail } : {}) };
  }
}

export function resultRecord(result: TenderResult, originRegion: string): NewRecord {
  const body = canonicalJson(result);
  return {
    recordId: result.resultId,
    kind: "tender_result",
    originRegion,
    hash: sha256Hex(body),
    body,
    storeId: result.storeId,
    registerId: null,
    seq: null,
    eventType: result.type,
    subjectEventId: result.eventId,
    tenderId: result.tenderId,
  };
}
