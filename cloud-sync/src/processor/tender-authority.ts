import type { Money } from "@tenderline/shared";

/**
 * What the reconciler asks the payment processor about one offline (store-and-forward) card
 * tender. Only the terminal's transaction id, the amount the register recorded and the card's
 * token and last four digits: never a card number.
 */
export interface TenderLookup {
  terminalTxnId: string;
  /** The amount the register recorded for the tender, integer minor units. */
  expected: Money;
  /** The terminal's card token; used with last4 to confirm the record is this card's. */
  token: string;
  last4: string;
}

/** The processor settled the tender for exactly the expected amount. */
export interface MatchedResult {
  terminalTxnId: string;
  outcome: "matched";
  authCode: string;
  processorRef: string;
  settled: Money;
}

/** The processor holds a settlement for this transaction, but for another amount or currency. */
export interface AmountMismatchResult {
  terminalTxnId: string;
  outcome: "amount_mismatch";
  expected: Money;
  /** What the processor says it settled. */
  processorAmount: Money;
  authCode: string | null;
  processorRef: string | null;
}

/** The processor declined the offline approval: the money was not collected. */
export interface DeclinedResult {
  terminalTxnId: string;
  outcome: "declined";
  /** The processor's reason, e.g. `insufficient_funds`, `do_not_honor`. */
  reason: string;
}

/** The processor has no settlement for this transaction (yet): retry until the deadline. */
export interface NotFoundResult {
  terminalTxnId: string;
  outcome: "not_found";
  /** Why, when it is more than "no record", e.g. the record belongs to another card. */
  detail?: string;
}

export type TenderLookupResult = MatchedResult | AmountMismatchResult | DeclinedResult | NotFoundResult;
export type TenderLookupOutcome = TenderLookupResult["outcome"];

export interface TenderLookupOptions {
  /** Cancels the lookup (e.g. on shutdown); rejects with the signal's reason, not a TenderAuthorityError. */
  signal?: AbortSignal;
}

/**
 * The payment processor as the reconciler sees it.
 *
 * `lookup` answers one result per tender, in input order, from one round trip where the
 * processor allows it. A transport failure rejects the whole call with a `TenderAuthorityError`
 * (see authority-errors.ts): `retryable` tells the caller to try again later with backoff.
 * Lookups are read-only and idempotent, so retrying is always safe.
 */
export interface TenderAuthority {
  lookup(tenders: readonly TenderLookup[], options?: TenderLookupOptions): Promise<TenderLookupResult[]>;
}
