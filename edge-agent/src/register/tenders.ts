import { type Money, settleTenders, type Tender, type TenderInput } from "@tenderline/shared";
import { mintId } from "../ids/ids.ts";
import type { OfflineCardCandidate } from "../risk/offline-card-limits.ts";

export interface PreparedTenders {
  tenders: Tender[];
  change: Money;
  /** Card tenders approved without the processor (no authCode yet): subject to the offline limits. */
  offlineCards: OfflineCardCandidate[];
}

/**
 * Mints tender ids, settles the tenders against what is owed (cash may exceed it, the rest is
 * change) and picks out offline card approvals. Throws the shared SaleValidationError when the
 * tenders do not cover the amount.
 */
export function prepareTenders(owed: Money, inputs: readonly TenderInput[]): PreparedTenders {
  const withIds = inputs.map((t) => ({ ...t, tenderId: mintId() }));
  const settled = settleTenders(owed, withIds);
  const offlineCards: OfflineCardCandidate[] = [];
  const tenders = settled.tenders.map((t): Tender => {
    switch (t.type) {
      case "card": {
        const offline = t.offline || t.card.authCode === null;
        if (t.card.authCode === null) offlineCards.push({ tenderId: t.tenderId, amount: t.amount });
        return { tenderId: t.tenderId, type: "card", amount: t.amount, card: t.card, offline };
      }
      case "cash":
        return {
          tenderId: t.tenderId,
          type: "cash",
          amount: t.amount,
          ...(t.tendered ? { tendered: t.tendered } : {}),
          ...(t.change ? { change: t.change } : {}),
        };
      case "gift_card":
        return { tenderId: t.tenderId, type: "gift_card", amount: t.amount, giftCard: t.giftCard };
      default:
        return { tenderId: t.tenderId, type: "store_credit", amount: t.amount, creditId: t.creditId };
    }
  });
  return { tenders, change: settled.change, offlineCards };
}

/** Records the manager's override code on the card tenders it let past the offline limits. */
export function applyOverride(tenders: Tender[], overridden: ReadonlySet<string>, code: string | undefined): Tender[] {
  if (!code || overridden.size === 0) return tenders;
  return tenders.map((t) => (t.type === "card" && overridden.has(t.tenderId) ? { ...t, overrideCode: code } : t));
}
