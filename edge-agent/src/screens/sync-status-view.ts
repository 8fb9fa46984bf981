import type { AgentSyncStatus } from "@tenderline/shared";

/** A region as the manager sees it, from the sync engine when it reports one, else from the screens' probe. */
export interface RegionRow {
  name: string;
  state: string;
  healthy: boolean;
  active: boolean;
  lastError: string | null;
  latencyMs: number | null;
}

export interface SyncSummary {
  /** The engine's own word: syncing, idle, offline, paused, credentials rejected, engine stopped; null without an engine. */
  state: string | null;
  regions: RegionRow[] | null;
  offlineSince: string | null | undefined;
  drainRatePerSec: number | null | undefined;
  /** A state worth a banner of its own, e.g. "credentials rejected" or "paused". */
  alert: string | null;
  /** Recent conflicts and dead letters the engine raised. */
  alerts: Array<{ at: string; kind: string; seq: number; reason: string }>;
}

/**
 * Reads the sync engine's part of GET /api/v1/queue (`sync`, AgentSyncStatusSchema): the screens
 * show what the engine reports, and fall back to their own probes when no engine runs or it stopped.
 */
export function summarizeSync(sync: AgentSyncStatus): SyncSummary {
  if (sync === null) {
    return { state: null, regions: null, offlineSince: undefined, drainRatePerSec: undefined, alert: null, alerts: [] };
  }
  if (sync.state === "engine stopped") {
    return { state: sync.state, regions: null, offlineSince: undefined, drainRatePerSec: undefined, alert: null, alerts: [] };
  }
  const alert =
    sync.credentialsRejected || sync.state === "credentials rejected"
      ? credentialAlert(sync.credentialsRefusedBy)
      : sync.paused || sync.state === "paused"
        ? "Sync is paused."
        : null;
  return {
    state: sync.state,
    regions: sync.regions.map((r) => ({
      name: r.name,
      state: r.state,
      healthy: r.healthy,
      active: r.active,
      lastError: r.lastError,
      latencyMs: r.latencyMs,
    })),
    offlineSince: sync.offlineSince,
    drainRatePerSec: sync.throughput.eventsPerSec,
    alert,
    alerts: sync.alerts.map((a) => ({ at: a.at, kind: a.kind, seq: a.seq, reason: a.reason })),
  };
}

/** What the manager reads when the cloud refuses the register's credential: which regions, and what to do. */
export function credentialAlert(regions: readonly string[]): string {
  const which = regions.length === 0 ? "the cloud" : `region${regions.length === 1 ? "" : "s"} ${regions.join(" and ")}`;
  return `This register's credential was refused by ${which}. The register keeps recording and nothing is lost. Ask support for a new credential for this register and put it in the register's config (storeToken): the agent picks it up within seconds, no restart needed.`;
}
