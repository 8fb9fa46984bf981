import { type SyncRegionView, type SyncStatus, SyncStatusSchema } from "@tenderline/shared";
import { describe, expect, it } from "vitest";
import { summarizeSync } from "./sync-status-view.ts";

const region = (name: string, state: string, healthy: boolean, active: boolean): SyncRegionView => ({
  name,
  url: `http://127.0.0.1:1/${name}`,
  priority: name === "A" ? 0 : 1,
  state,
  healthy,
  breaker: healthy ? "closed" : "open",
  probeOk: healthy,
  healthySince: null,
  lastError: healthy ? null : "ECONNREFUSED",
  lastErrorAt: null,
  latencyMs: healthy ? 3 : null,
  active,
});

const status = (overrides: Partial<SyncStatus> = {}): SyncStatus =>
  SyncStatusSchema.parse({
    state: "syncing",
    paused: false,
    credentialsRejected: false,
    credentialsRefusedBy: [],
    activeRegion: "B",
    offlineSince: null,
    lastAckAt: "2026-01-01T00:00:00.000Z",
    throughput: { eventsPerSec: 42.5, windowSeconds: 10 },
    regions: [region("A", "open", false, false), region("B", "healthy", true, true)],
    alerts: [{ at: "2026-01-01T00:00:00.000Z", kind: "conflict", seq: 7, eventId: "e", reason: "seq_conflict" }],
    batches: { sent: 1, failed: 0, resent: 0 },
    resendQueued: [],
    ...overrides,
  });

describe("the sync engine's status as the screens read it", () => {
  it("reads regions, throughput, offline since and alerts from the engine's own status type", () => {
    const s = summarizeSync(status());
    expect(s.state).toBe("syncing");
    expect(s.drainRatePerSec).toBe(42.5);
    expect(s.regions).toEqual([
      { name: "A", state: "open", healthy: false, active: false, lastError: "ECONNREFUSED", latencyMs: null },
      { name: "B", state: "healthy", healthy: true, active: true, lastError: null, latencyMs: 3 },
    ]);
    expect(s.alerts).toEqual([{ at: "2026-01-01T00:00:00.000Z", kind: "conflict", seq: 7, reason: "seq_conflict" }]);
    expect(s.alert).toBeNull();
  });

  it("raises credentials rejected and paused, and reads no engine (or a stopped one) as no regions", () => {
    const rejected = { state: "credentials rejected", credentialsRejected: true, paused: true } as const;
    expect(summarizeSync(status(rejected)).alert).toContain("This register's credential was refused by the cloud");
    const named = summarizeSync(status({ ...rejected, credentialsRefusedBy: ["A", "B"] }));
    expect(named.alert).toContain("refused by regions A and B");
    expect(named.alert).toContain("keeps recording and nothing is lost");
    // The way out needs no restart: the agent takes a new credential from its config while running.
    expect(named.alert).toContain("put it in the register's config (storeToken)");
    expect(named.alert).toContain("no restart needed");
    expect(named.alert).not.toMatch(/restart the agent/);
    expect(summarizeSync(status({ state: "paused", paused: true })).alert).toBe("Sync is paused.");
    expect(summarizeSync(null)).toMatchObject({ state: null, regions: null, alerts: [] });
    expect(summarizeSync({ state: "engine stopped", error: "the sync worker stopped" })).toMatchObject({
      state: "engine stopped",
      regions: null,
      alert: null,
    });
  });
});
