import { autoApprovedSettlement } from "./auto-approve.ts";
import type { SettlementBook } from "./settlement-book.ts";
import type { Behaviour, TenderLookupWire } from "./settlement-wire.ts";
import type { TenderLookupResult } from "./tender-authority.ts";

export const DEFAULT_DECLINE_REASON = "do_not_honor";

/**
 * The simulator's answer for one tender under a behaviour (`hang` and `unavailable` concern the
 * whole request and are handled by the app before this is called).
 */
export function resolveLookup(
  tender: TenderLookupWire,
  behaviour: Behaviour,
  book: SettlementBook,
  autoApprove: boolean,
): TenderLookupResult {
  const { terminalTxnId, expected } = tender;
  switch (behaviour.respond) {
    case "decline":
      return { terminalTxnId, outcome: "declined", reason: behaviour.declineReason ?? DEFAULT_DECLINE_REASON };
    case "not_found":
      return { terminalTxnId, outcome: "not_found" };
    case "amount": {
      const amount = behaviour.amount!;
      const recorded = book.get(terminalTxnId);
      const codes = recorded?.status === "approved" ? recorded : autoApprovedSettlement(terminalTxnId, amount);
      if (amount.amount === expected.amount && amount.currency === expected.currency) {
        return matched(terminalTxnId, codes.authCode, codes.processorRef, amount);
      }
      return mismatch(tender, amount, codes.authCode, codes.processorRef);
    }
    default:
      return fromRecords(tender, book, autoApprove);
  }
}

function fromRecords(tender: TenderLookupWire, book: SettlementBook, autoApprove: boolean): TenderLookupResult {
  const { terminalTxnId, expected } = tender;
  let record = book.get(terminalTxnId);
  if (record === undefined) {
    if (!autoApprove) return { terminalTxnId, outcome: "not_found" };
    // Recorded, so the answer stays fixed even if a later lookup expects another amount.
    record = autoApprovedSettlement(terminalTxnId, expected);
    book.putAll([record]);
  }
  if (
    (record.token !== undefined && tender.token !== undefined && record.token !== tender.token) ||
    (record.last4 !== undefined && tender.last4 !== undefined && record.last4 !== tender.last4)
  ) {
    return { terminalTxnId, outcome: "not_found", detail: "a settlement with this terminalTxnId belongs to another card" };
  }
  if (record.status === "declined") {
    return { terminalTxnId, outcome: "declined", reason: record.declineReason ?? DEFAULT_DECLINE_REASON };
  }
  if (record.amount.amount !== expected.amount || record.amount.currency !== expected.currency) {
    return mismatch(tender, record.amount, record.authCode, record.processorRef);
  }
  return matched(terminalTxnId, record.authCode, record.processorRef, record.amount);
}

function matched(
  terminalTxnId: string,
  authCode: string | null,
  processorRef: string | null,
  settled: { amount: number; currency: string },
): TenderLookupResult {
  // Approved records always carry both codes (SettlementRecordSchema enforces it).
  return { terminalTxnId, outcome: "matched", authCode: authCode!, processorRef: processorRef!, settled };
}

function mismatch(
  tender: TenderLookupWire,
  processorAmount: { amount: number; currency: string },
  authCode: string | null,
  processorRef: string | null,
): TenderLookupResult {
  return {
    terminalTxnId: tender.terminalTxnId,
    outcome: "amount_mismatch",
    expected: tender.expected,
    processorAmount,
    authCode,
    processorRef,
  };
}
