import type { RegionView } from "./region-link.ts";

export interface SyncAlert {
  at: string;
  kind: "conflict" | "rejected_resend" | "dead_letter";
  seq: number;
  eventId: string;
  reason: string;
}

/** The sync engine's part of GET /api/v1/queue (`sync`). */
export interface SyncStatus {
  /** syncing | idle | offline | paused | credentials rejected */
  state: string;
  paused: boolean;
  credentialsRejected: boolean;
  /** The regions that refused this register's credential (every one that answered). */
  credentialsRefusedBy: string[];
  activeRegion: string | null;
  /** When the last attempt to reach any region started failing; null while a region answers. */
  offlineSince: string | null;
  lastAckAt: string | null;
  throughput: { eventsPerSec: number; windowSeconds: number };
  regions: RegionView[];
  alerts: SyncAlert[];
  batches: { sent: number; failed: number; resent: number };
  /** Seq ranges a region lacks that the engine is resending. */
  resendQueued: Array<{ region: string; from: number; to: number }>;
}
