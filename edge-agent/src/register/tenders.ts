import {
  isOfflineApproval,
  type ManagerApproval,
  type Money,
  settleTenders,
  type Tender,
  type TenderInput,
} from "@tenderline/shared";
import { mintId } from "../ids/ids.ts";
import type { OfflineCardCandidate } from "../risk/offline-card-limits.ts";

export interface PreparedTenders {
  tenders: Tender[];
  change: Money;
  /** Card tenders approved without the processor (see isOfflineApproval): subject to the offline limits. */
  offlineCards: OfflineCardCandidate[];
}

/**
 * Mints tender ids, settles the tenders against what is owed (cash may exceed it, the rest is
 * change) and picks out offline card approvals. Throws the shared SaleValidationError when the
 * tenders do not cover the amount.
 */
export function prepareTenders(owed: Money, inputs: readonly TenderInput[], ids?: readonly string[]): PreparedTenders {
  // A stored-value tender's id is minted before the sale is recorded: the region's hold is keyed by it.
  const withIds = inputs.map((t, i) => ({ ...t, tenderId: ids?.[i] ?? mintId() }));
  const settled = settleTenders(owed, withIds);
  const offlineCards: OfflineCardCandidate[] = [];
  const tenders = settled.tenders.map((t): Tender => {
    switch (t.type) {
      case "card": {
        // The shared definition the cloud's reconciler uses too: no combination of fields escapes the limits.
        const offline = isOfflineApproval(t);
        if (offline) offlineCards.push({ tenderId: t.tenderId, amount: t.amount });
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
        // A credit named by its sealed number has no account token until a region holds it: the register's own id until then.
        return {
          tenderId: t.tenderId,
          type: "store_credit",
          amount: t.amount,
          creditId: t.creditId ?? mintId(),
          ...(t.last4 !== undefined ? { last4: t.last4 } : {}),
          ...(t.sealed !== undefined ? { sealed: t.sealed } : {}),
        };
    }
  });
  return { tenders, change: settled.change, offlineCards };
}

/** Records who approved on the card tenders the manager let past the offline limits: an id and a time only. */
export function applyApproval(
  tenders: Tender[],
  overridden: ReadonlySet<string>,
  approval: ManagerApproval | undefined,
): Tender[] {
  if (!approval || overridden.size === 0) return tenders;
  return tenders.map((t) => (t.type === "card" && overridden.has(t.tenderId) ? { ...t, approvedBy: approval } : t));
}
