import type { StoredValueKind } from "@tenderline/shared";
import { SealedNumberError } from "@tenderline/shared";
import type { RaisedException } from "../exceptions/exception-store.ts";
import type { LogRow } from "../ledger/derive.ts";

/** What names an account from a sealed number: the token and last four (the number itself never leaves it). */
export type SealedResolver = (kind: StoredValueKind, sealed: string) => { token: string; last4: string };

export type EntryKind = "issue" | "load" | "redeem" | "refund" | "void";

/** One entry the log makes, with the account it goes to (opened if new). */
export interface DerivedEntry {
  entryId: string;
  token: string;
  accountKind: StoredValueKind;
  last4: string;
  kind: EntryKind;
  /** Signed minor units: issue, load and refund add; redeem takes away. */
  amount: number;
  currency: string;
  eventId: string;
  storeId: string;
  registerId: string;
  occurredAt: string;
  online: boolean;
  transactionId: string | null;
  tenderId: string | null;
  holdId: string | null;
  /** An issue that can be spent until then only (a store credit under the retailer's expiry rule). */
  expiresAt?: string;
}

/** A refund to a gift card or store credit tender: its account is the one that tender redeemed (found in the ledger). */
export interface DerivedRefund {
  entryId: string;
  originalTransactionId: string;
  tenderId: string;
  amount: number;
  currency: string;
  eventId: string;
  storeId: string;
  registerId: string;
  occurredAt: string;
}

export interface StoredValueDerived {
  entries: DerivedEntry[];
  refunds: DerivedRefund[];
  exceptions: RaisedException[];
}

interface Money {
  amount: number;
  currency: string;
}
interface EventBody {
  eventId: string;
  storeId: string;
  registerId: string;
  type: string;
  occurredAt: string;
  payload: {
    transactionId: string;
    lines?: Array<{
      quantity: number;
      unitPrice: Money;
      storedValue?: { action: "activate" | "load"; last4: string; sealed?: string; token?: string };
    }>;
    tenders?: Array<{
      tenderId: string;
      type: string;
      amount: Money;
      giftCard?: { token?: string; last4: string; sealed?: string; holdId?: string };
      creditId?: string;
      last4?: string;
      sealed?: string;
      holdId?: string;
    }>;
    allocation?: Array<{
      originalTransactionId: string;
      tenderId: string;
      tenderType: string;
      amount: Money;
      paidAs?: "store_credit";
    }>;
    storeCredit?: { creditId: string; amount: Money; last4?: string; sealed?: string; expiresAt?: string };
    /** stored_value.voided */
    voidId?: string;
    kind?: StoredValueKind;
    token?: string;
    last4?: string;
    amount?: Money;
    holdId?: string;
  };
}

const SELLING = new Set(["sale.completed", "exchange.completed", "order.completed"]);
const REFUNDING = new Set(["return.completed", "exchange.completed"]);
const STORED_TENDERS = new Set(["gift_card", "store_credit"]);

/**
 * The stored-value entries a page of the log makes: pure, so every region derives the same from
 * the same events (entry ids are `eventId:part`, so a replayed or replicated event makes each
 * once). A sealed number that will not open makes no entry and one exception.
 */
export function deriveStoredValue(rows: readonly LogRow[], resolve: SealedResolver | null): StoredValueDerived {
  const d: StoredValueDerived = { entries: [], refunds: [], exceptions: [] };
  for (const row of rows) {
    if (row.kind !== "event") continue;
    const e = JSON.parse(row.body) as EventBody;
    const p = e.payload;
    if (!p) continue;
    const base = { eventId: e.eventId, storeId: e.storeId, registerId: e.registerId, occurredAt: e.occurredAt };
    /** The account a number names: its token as given, or opened from the sealed number; null (and an exception) if it will not open. */
    const account = (
      kind: StoredValueKind,
      part: string,
      given: { token?: string; sealed?: string; last4?: string },
    ): { token: string; last4: string } | null => {
      if (given.token) return { token: given.token, last4: given.last4 ?? "" };
      if (!given.sealed) return null;
      try {
        if (!resolve) throw new SealedNumberError("this region holds no stored-value keys");
        const opened = resolve(kind, given.sealed);
        return { token: opened.token, last4: given.last4 ?? opened.last4 };
      } catch (error) {
        if (!(error instanceof SealedNumberError)) throw error;
        d.exceptions.push({
          key: `stored_value_unreadable:${e.eventId}:${part}`,
          kind: "stored_value_unreadable",
          storeId: e.storeId,
          subject: `${p.transactionId}/${part}`,
          detail: {
            ...base,
            transactionId: p.transactionId,
            part,
            accountKind: kind,
            last4: given.last4 ?? null,
            reason: error.message,
          },
        });
        return null;
      }
    };
    if (SELLING.has(e.type)) {
      (p.lines ?? []).forEach((line, lineNo) => {
        const sv = line.storedValue;
        if (!sv) return;
        const part = `line:${lineNo}`;
        const acct = account("gift_card", part, sv);
        if (!acct) return;
        d.entries.push({
          entryId: `${e.eventId}:${part}`,
          token: acct.token,
          accountKind: "gift_card",
          last4: acct.last4,
          kind: sv.action === "activate" ? "issue" : "load",
          amount: line.unitPrice.amount * line.quantity,
          currency: line.unitPrice.currency,
          ...base,
          online: true,
          transactionId: p.transactionId,
          tenderId: null,
          holdId: null,
        });
      });
      for (const t of p.tenders ?? []) {
        if (!STORED_TENDERS.has(t.type)) continue;
        const part = `tender:${t.tenderId}`;
        let acct: { token: string; last4: string } | null;
        let holdId: string | undefined;
        let accountKind: StoredValueKind;
        if (t.type === "gift_card") {
          accountKind = "gift_card";
          acct = account("gift_card", part, t.giftCard ?? {});
          holdId = t.giftCard?.holdId;
        } else {
          accountKind = "store_credit";
          // An `sv_` creditId is the account's token (a hold answered it); a sealed number names it
          // otherwise; an old event's creditId is accounted under that id as it is.
          const creditId = t.creditId ?? "";
          acct =
            t.sealed && !creditId.startsWith("sv_")
              ? account("store_credit", part, { sealed: t.sealed, ...(t.last4 ? { last4: t.last4 } : {}) })
              : account("store_credit", part, { token: creditId, last4: t.last4 ?? "" });
          holdId = t.holdId;
        }
        if (!acct) continue;
        d.entries.push({
          entryId: `${e.eventId}:${part}`,
          token: acct.token,
          accountKind,
          last4: acct.last4,
          kind: "redeem",
          amount: -t.amount.amount,
          currency: t.amount.currency,
          ...base,
          online: holdId !== undefined,
          transactionId: p.transactionId,
          tenderId: t.tenderId,
          holdId: holdId ?? null,
        });
      }
    }
    if (REFUNDING.has(e.type)) {
      (p.allocation ?? []).forEach((line, lineNo) => {
        // A slice taken as store credit goes to the new credit (below), not back to the card it came from.
        if (!STORED_TENDERS.has(line.tenderType) || line.tenderId.endsWith(":exchange-credit") || line.paidAs) return;
        d.refunds.push({
          entryId: `${e.eventId}:refund:${lineNo}`,
          originalTransactionId: line.originalTransactionId,
          tenderId: line.tenderId,
          amount: line.amount.amount,
          currency: line.amount.currency,
          ...base,
        });
      });
    }
    if (e.type === "stored_value.voided" && p.token && p.kind && p.amount) {
      // What was left comes off (the hold the register took for it is captured), and the account is closed.
      d.entries.push({
        entryId: `${e.eventId}:void`,
        token: p.token,
        accountKind: p.kind,
        last4: p.last4 ?? "",
        kind: "void",
        amount: -p.amount.amount,
        currency: p.amount.currency,
        ...base,
        online: true,
        transactionId: null,
        tenderId: null,
        holdId: p.holdId ?? null,
      });
    }
    if (REFUNDING.has(e.type) && p.storeCredit) {
      const sc = p.storeCredit;
      const acct = sc.sealed
        ? account("store_credit", "credit", { sealed: sc.sealed, ...(sc.last4 ? { last4: sc.last4 } : {}) })
        : { token: sc.creditId, last4: sc.last4 ?? "" };
      if (acct) {
        d.entries.push({
          entryId: `${e.eventId}:credit`,
          token: acct.token,
          accountKind: "store_credit",
          last4: acct.last4,
          kind: "issue",
          amount: sc.amount.amount,
          currency: sc.amount.currency,
          ...base,
          online: true,
          transactionId: p.transactionId,
          tenderId: null,
          holdId: null,
          ...(sc.expiresAt ? { expiresAt: sc.expiresAt } : {}),
        });
      }
    }
  }
  return d;
}
