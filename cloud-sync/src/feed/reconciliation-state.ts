import { type CardTenderLike, isOfflineApproval } from "@tenderline/shared";

export interface TenderReconciliation {
  tenderId: string;
  state: "pending" | "matched" | "exception";
  result?: unknown;
}

export interface ReconciliationState {
  /** `not_required`: no offline card tender lacking details; otherwise pending until every such tender has a result. */
  state: "not_required" | "pending" | "complete";
  tenders: TenderReconciliation[];
}

interface TenderLike extends CardTenderLike {
  tenderId?: unknown;
}

/**
 * Card tenders approved offline (the shared definition the register's limits use too): the
 * processor's records complete them.
 */
export function offlineTendersNeedingDetails(event: unknown): Array<TenderLike & { tenderId: string }> {
  const payload = (event as { payload?: { tenders?: unknown } } | null)?.payload;
  const tenders = Array.isArray(payload?.tenders) ? (payload.tenders as TenderLike[]) : [];
  return tenders.filter((t): t is TenderLike & { tenderId: string } => typeof t.tenderId === "string" && isOfflineApproval(t));
}

/** What a feed consumer needs to know about an event's offline tenders, from the results held here. */
export function reconciliationState(event: unknown, results: readonly unknown[]): ReconciliationState | null {
  const needing = offlineTendersNeedingDetails(event);
  if (needing.length === 0) return { state: "not_required", tenders: [] };
  const byTender = new Map(
    results.map((r) => [(r as { tenderId?: string }).tenderId, r as { tenderId?: string; outcome?: string }]),
  );
  const tenders = needing.map((t): TenderReconciliation => {
    const result = byTender.get(t.tenderId);
    if (!result) return { tenderId: t.tenderId, state: "pending" };
    return { tenderId: t.tenderId, state: result.outcome === "matched" ? "matched" : "exception", result };
  });
  return { state: tenders.every((t) => t.state !== "pending") ? "complete" : "pending", tenders };
}
