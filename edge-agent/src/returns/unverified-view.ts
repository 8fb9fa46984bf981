import type { Money, UnverifiedReturn } from "@tenderline/shared";
import type { CloudReturns } from "./cloud-returns.ts";
import type { UnverifiedReturnsLedger } from "./unverified-returns.ts";

/** One of this register's unverified returns on the manager screen. */
export interface UnverifiedReturnRow {
  transactionId: string;
  eventId: string;
  occurredAt: string;
  storeCredit: Money;
  approvedBy: string | null;
  /** The outbox row's state here: pending (the cloud has not got it yet), acked, dead; null once pruned. */
  syncState: string | null;
  /** What the cloud made of it; null when the cloud did not say (unreachable, or it has not got the event). */
  cloudStatus: UnverifiedReturn["status"] | null;
  reason: string | null;
  /** Still waiting for verification: the cloud says waiting, or has not said anything yet. */
  waiting: boolean;
}

export interface UnverifiedReturnsView {
  rows: UnverifiedReturnRow[];
  /** Which region gave the cloud's status; null when none answered. */
  region: string | null;
  /** Why there is no cloud status, when there is none. */
  note: string | null;
}

const ORDER: Record<string, number> = { waiting: 0, mismatch: 1, verified: 2 };

/**
 * The manager's list of unverified returns: this register's own, from its ledger (so it reads the
 * same with the cloud unreachable), each with the cloud's status when a region answers. Waiting
 * ones first (then mismatches, then verified), newest first within each. The cloud's answer is
 * kept briefly: the manager screen polls.
 */
export class UnverifiedReturnsBoard {
  private cached: { at: number; view: Awaited<ReturnType<CloudReturns["unverifiedReturns"]>> } | undefined;

  constructor(
    private readonly storeId: string,
    private readonly ledger: UnverifiedReturnsLedger,
    private readonly cloud: CloudReturns,
    private readonly clock: () => number = Date.now,
    private readonly maxAgeMs = 5_000,
  ) {}

  async read(limit = 50): Promise<UnverifiedReturnsView> {
    const local = this.ledger.list(limit);
    if (local.length === 0) return { rows: [], region: null, note: null };
    const now = this.clock();
    if (!this.cached || now - this.cached.at >= this.maxAgeMs) {
      this.cached = { at: now, view: await this.cloud.unverifiedReturns(this.storeId) };
    }
    const cloud = this.cached.view;
    const byEvent = new Map("list" in cloud ? cloud.list.items.map((i) => [i.returnEventId, i] as const) : []);
    const rows = local.map((r): UnverifiedReturnRow => {
      const c = byEvent.get(r.eventId);
      const cloudStatus = c?.status ?? null;
      return {
        transactionId: r.transactionId,
        eventId: r.eventId,
        occurredAt: r.occurredAt,
        storeCredit: r.storeCredit,
        approvedBy: r.approvedBy,
        syncState: r.syncState,
        cloudStatus,
        reason: c?.reason ?? null,
        waiting: cloudStatus === null || cloudStatus === "waiting",
      };
    });
    // Stable sort: the ledger's newest-first order holds within each group.
    rows.sort((a, b) => (ORDER[a.cloudStatus ?? "waiting"] ?? 0) - (ORDER[b.cloudStatus ?? "waiting"] ?? 0));
    return "list" in cloud ? { rows, region: cloud.region, note: null } : { rows, region: null, note: cloud.unavailable };
  }
}
