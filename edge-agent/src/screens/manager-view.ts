import type { LocalQueueStatus, QueueStatus } from "@tenderline/shared";
import type { PrunedAsk } from "../outbox/outbox.ts";
import type { UnverifiedReturnsView } from "../returns/unverified-view.ts";
import type { RecentEvent } from "./recent-events.ts";
import type { ExceptionsView } from "./region-exceptions.ts";
import type { Connectivity } from "./region-probes.ts";
import { type RegionRow, summarizeSync } from "./sync-status-view.ts";

/** GET /api/v1/queue as the screens read it (QueueStatusSchema). */
export type QueueJson = QueueStatus;

export interface OfflineCardRow {
  currency: string;
  outstanding: number;
  limit: number;
  count: number;
  oldestAgeMs: number | null;
  deadlineMs: number;
  /** ok; near: the oldest tender has used 75% of the forwarding window; over: past it; full: at 90% of the limit. */
  level: "ok" | "near" | "over";
  nearLimit: boolean;
}

/** Gift card and store credit redemptions taken with no region to check them, not yet acked (OfflineStoredValueRisk). */
export interface OfflineStoredValueRow {
  currency: string;
  outstanding: number;
  /** The register's cap on outstanding offline redemptions in this currency. */
  limit: number;
  /** Redemptions waiting for a region. */
  count: number;
  oldestAgeMs: number | null;
  nearLimit: boolean;
}

export interface ManagerView {
  storeId: string;
  registerId: string;
  online: boolean;
  offlineSince: string | null;
  alert: string | null;
  /** The sync engine's state word (syncing, idle, offline…), null when no engine runs. */
  syncState: string | null;
  syncAlerts: Array<{ at: string; kind: string; seq: number; reason: string }>;
  counts: LocalQueueStatus["counts"];
  byType: Array<{ type: string; pending: number; acked: number; dead: number }>;
  oldestPendingAgeMs: number | null;
  drainRatePerSec: number | null;
  regions: RegionRow[];
  deadLetters: LocalQueueStatus["deadLetters"];
  cloudGaps: LocalQueueStatus["cloudGaps"];
  /**
   * Events a region asked for that this register no longer keeps (pruned once every region had
   * them, then the region lost them): they must come back from another region. Newest first.
   */
  prunedAsks: Array<{ region: string; from: number; to: number; at: string; message: string }>;
  offlineCards: OfflineCardRow[];
  /** Empty when the agent gives the screens no stored-value exposure. */
  offlineStoredValue: OfflineStoredValueRow[];
  exceptions: ExceptionsView;
  recent: RecentEvent[];
  managers: ManagersView;
  /** This register's returns refunded without verifying the original, waiting ones first. */
  unverifiedReturns: UnverifiedReturnsView;
}

/** Who may act on this register right now, and who is locked out by wrong PINs. */
export interface ManagersView {
  configured: boolean;
  signedIn: { managerId: string; name: string; expiresAt: string } | null;
  locked: Array<{ managerId: string; name: string; lockedUntil: string }>;
}

export interface ManagerInputs {
  storeId: string;
  registerId: string;
  queue: QueueJson;
  connectivity: Connectivity;
  drainRatePerSec: number | null;
  limitFor: (currency: string) => { outstanding: number };
  forwardingDeadlineMs: number;
  exceptions: ExceptionsView;
  recent: RecentEvent[];
  managers: ManagersView;
  unverifiedReturns?: UnverifiedReturnsView;
  /** The outbox's PrunedAsks (prunedAsks(db)), newest first. */
  prunedAsks?: readonly PrunedAsk[];
  offlineStoredValue?: {
    exposure: ReadonlyArray<{ currency: string; outstanding: number; count: number; oldestRecordedAt: number | null }>;
    limitFor: (currency: string) => { outstanding: number };
    now: number;
  };
}

/** Warn once the oldest offline card tender has used this share of the processor's forwarding window. */
export const DEADLINE_WARNING_SHARE = 0.75;

/** The manager's wording for a PrunedAsk: which region, which sales, and where they come back from. */
export function prunedAskMessage(p: Pick<PrunedAsk, "region" | "from" | "to">): string {
  const which = p.from === p.to ? `sale ${p.from}` : `sales ${p.from}–${p.to}`;
  const they = p.from === p.to ? "it must come back" : "they must come back";
  return `Region ${p.region} asked for ${which} that this register no longer keeps (pruned after replication); ${they} from another region.`;
}

/** Everything the store manager's screen shows, from the queue status, the sync engine and the probes. */
export function buildManagerView(input: ManagerInputs): ManagerView {
  const { queue, connectivity } = input;
  const sync = summarizeSync(queue.sync);
  const regions: RegionRow[] =
    sync.regions ??
    connectivity.regions.map((r) => ({
      name: r.name,
      state: r.reachable === null ? "unknown" : r.reachable ? "reachable" : "unreachable",
      healthy: r.reachable === true,
      active: false,
      lastError: r.reachable ? null : r.lastError,
      latencyMs: r.latencyMs,
    }));
  const online = sync.regions ? sync.regions.some((r) => r.healthy) : connectivity.online;
  const offlineSince =
    sync.offlineSince !== undefined
      ? sync.offlineSince
      : connectivity.offlineSince === null
        ? null
        : new Date(connectivity.offlineSince).toISOString();

  const types = new Map<string, { type: string; pending: number; acked: number; dead: number }>();
  for (const row of queue.byType) {
    const t = types.get(row.type) ?? { type: row.type, pending: 0, acked: 0, dead: 0 };
    if (row.state === "pending" || row.state === "acked" || row.state === "dead") t[row.state] += row.count;
    types.set(row.type, t);
  }

  const offlineCards = queue.offlineCards.map((c): OfflineCardRow => {
    const limit = input.limitFor(c.currency).outstanding;
    const age = c.oldestAgeMs;
    const level =
      age === null
        ? "ok"
        : age >= input.forwardingDeadlineMs
          ? "over"
          : age >= input.forwardingDeadlineMs * DEADLINE_WARNING_SHARE
            ? "near"
            : "ok";
    return {
      currency: c.currency,
      outstanding: c.outstanding,
      limit,
      count: c.count,
      oldestAgeMs: age,
      deadlineMs: input.forwardingDeadlineMs,
      level,
      nearLimit: limit > 0 && c.outstanding >= limit * 0.9,
    };
  });

  const sv = input.offlineStoredValue;
  const offlineStoredValue = (sv?.exposure ?? []).map((e): OfflineStoredValueRow => {
    const limit = sv ? sv.limitFor(e.currency).outstanding : 0;
    return {
      currency: e.currency,
      outstanding: e.outstanding,
      limit,
      count: e.count,
      oldestAgeMs: e.oldestRecordedAt === null || !sv ? null : Math.max(0, sv.now - e.oldestRecordedAt),
      nearLimit: limit > 0 && e.outstanding >= limit * 0.9,
    };
  });

  return {
    storeId: input.storeId,
    registerId: input.registerId,
    online,
    offlineSince: online ? null : (offlineSince ?? null),
    alert: sync.alert,
    syncState: sync.state,
    syncAlerts: sync.alerts.slice(-5).reverse(),
    counts: queue.counts,
    byType: [...types.values()].sort((a, b) => a.type.localeCompare(b.type)),
    oldestPendingAgeMs: queue.oldestPendingAgeMs,
    drainRatePerSec: sync.drainRatePerSec ?? input.drainRatePerSec,
    regions,
    deadLetters: queue.deadLetters,
    cloudGaps: queue.cloudGaps,
    prunedAsks: (input.prunedAsks ?? []).slice(0, 5).map((p) => ({
      region: p.region,
      from: p.from,
      to: p.to,
      at: new Date(p.at).toISOString(),
      message: prunedAskMessage(p),
    })),
    offlineCards,
    offlineStoredValue,
    exceptions: input.exceptions,
    recent: input.recent,
    managers: input.managers,
    unverifiedReturns: input.unverifiedReturns ?? { rows: [], region: null, note: null },
  };
}
