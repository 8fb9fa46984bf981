import type { Db } from "../storage/database.ts";

export interface RecentEvent {
  seq: number;
  type: string;
  state: "pending" | "acked" | "dead";
  transactionId: string | null;
  ackedRegion: string | null;
  replicated: boolean;
  lastError: string | null;
  recordedAt: number;
}

/** The register's latest outbox rows, newest first, for the manager's "recent activity" list (read-only). */
export class RecentEvents {
  private readonly stmt;
  private readonly stateStmt;

  constructor(db: Db) {
    this.stateStmt = db.prepare("SELECT state FROM outbox WHERE seq = ?");
    this.stmt = db.prepare(
      `SELECT seq, type, state, json_extract(body, '$.payload.transactionId') AS transactionId, acked_region AS ackedRegion,
              replicated_at IS NOT NULL AS replicated, COALESCE(dead_reason, last_error) AS lastError, recorded_at AS recordedAt
       FROM outbox ORDER BY seq DESC LIMIT ?`,
    );
  }

  /** The sync state of one recorded event; "unknown" once retention has pruned its row. */
  stateOf(seq: number): "pending" | "acked" | "dead" | "unknown" {
    const row = this.stateStmt.get(seq) as { state: "pending" | "acked" | "dead" } | undefined;
    return row?.state ?? "unknown";
  }

  read(limit = 8): RecentEvent[] {
    return (this.stmt.all(limit) as Array<Omit<RecentEvent, "replicated"> & { replicated: number }>).map((r) => ({
      ...r,
      replicated: r.replicated === 1,
    }));
  }
}
