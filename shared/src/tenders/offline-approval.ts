/** The fields of a card tender that say whether the processor has seen it; anything else is ignored. */
export interface CardTenderLike {
  type?: unknown;
  offline?: unknown;
  card?: { authCode?: unknown; processorRef?: unknown } | null;
}

/**
 * The one definition of a card tender "approved offline" (store and forward), used by the
 * register's offline limits and by the cloud's reconciler alike. A card tender is offline unless
 * it says it was online AND carries both the processor's authCode and its processorRef: a tender
 * missing either, or flagged offline, is money the processor has not confirmed, so no combination
 * of fields can escape the limits on one side or the reconciliation on the other.
 */
export function isOfflineApproval(tender: CardTenderLike): boolean {
  if (tender.type !== "card") return false;
  if (tender.offline !== false) return true;
  const card = tender.card;
  return !hasCode(card?.authCode) || !hasCode(card?.processorRef);
}

function hasCode(value: unknown): boolean {
  return typeof value === "string" && value.length > 0;
}
