import { z } from "zod";

/** The engine's own word for where sync stands. */
export const SYNC_STATES = ["syncing", "idle", "offline", "paused", "credentials rejected"] as const;
export const SYNC_ALERT_KINDS = ["conflict", "rejected_resend", "dead_letter"] as const;

/** A region's circuit breaker as the sync engine sees it. */
export const SyncBreakerStateSchema = z.enum(["closed", "open", "half-open"]);
export type SyncBreakerState = z.infer<typeof SyncBreakerStateSchema>;

/** One region as the sync engine sees it. */
export const SyncRegionViewSchema = z.object({
  name: z.string(),
  url: z.string(),
  priority: z.number().int(),
  /** healthy | unhealthy (probe failing) | open | half-open | unknown (not probed yet) */
  state: z.string(),
  healthy: z.boolean(),
  breaker: SyncBreakerStateSchema,
  probeOk: z.boolean().nullable(),
  healthySince: z.string().nullable(),
  lastError: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
  /** Round trip of the last batch, else of the last probe. */
  latencyMs: z.number().nullable(),
  active: z.boolean(),
});
export type SyncRegionView = z.infer<typeof SyncRegionViewSchema>;

/** Something the sync engine could not deliver as it should, kept for the store manager. */
export const SyncAlertSchema = z.object({
  at: z.string(),
  kind: z.enum(SYNC_ALERT_KINDS),
  seq: z.number().int(),
  eventId: z.string(),
  reason: z.string(),
});
export type SyncAlert = z.infer<typeof SyncAlertSchema>;

/** The sync engine's status: the `sync` part of the agent's GET /api/v1/queue while the engine runs. */
export const SyncStatusSchema = z.object({
  state: z.enum(SYNC_STATES),
  paused: z.boolean(),
  credentialsRejected: z.boolean(),
  /** The regions that refused this register's credential (every one that answered). */
  credentialsRefusedBy: z.array(z.string()),
  activeRegion: z.string().nullable(),
  /** When the last attempt to reach any region started failing; null while a region answers. */
  offlineSince: z.string().nullable(),
  lastAckAt: z.string().nullable(),
  throughput: z.object({ eventsPerSec: z.number(), windowSeconds: z.number() }),
  regions: z.array(SyncRegionViewSchema),
  alerts: z.array(SyncAlertSchema),
  batches: z.object({ sent: z.number().int(), failed: z.number().int(), resent: z.number().int() }),
  /** Seq ranges a region lacks that the engine is resending. */
  resendQueued: z.array(z.object({ region: z.string(), from: z.number().int(), to: z.number().int() })),
});
export type SyncStatus = z.infer<typeof SyncStatusSchema>;

/** What the agent says when its sync engine (a worker thread) no longer answers. */
export const SyncEngineStoppedSchema = z.object({
  state: z.literal("engine stopped"),
  error: z.string(),
});
export type SyncEngineStopped = z.infer<typeof SyncEngineStoppedSchema>;

/** The `sync` part of GET /api/v1/queue: the engine's status, or why it is not answering; null when sync is off. */
export const AgentSyncStatusSchema = z.union([SyncStatusSchema, SyncEngineStoppedSchema]).nullable();
export type AgentSyncStatus = z.infer<typeof AgentSyncStatusSchema>;
