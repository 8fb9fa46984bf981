import type { OfflineCardRisk } from "../risk/offline-card-limits.ts";
import type { Db } from "../storage/database.ts";
import { Outbox } from "./outbox.ts";

export interface DeadLetter {
  seq: number;
  eventId: string;
  type: string;
  reason: string;
  attempts: number;
  recordedAt: string;
}

export interface LocalQueueStatus {
  lastSeq: number;
  counts: { pending: number; acked: number; dead: number; unreplicated: number };
  byType: Array<{ type: string; state: string; count: number }>;
  oldestPendingAgeMs: number | null;
  oldestPendingSeq: number | null;
  deadLetters: DeadLetter[];
  offlineCards: Array<{ currency: string; outstanding: number; count: number; oldestAgeMs: number | null }>;
  cloudGaps: Array<{ region: string; from: number; to: number; reportedAt: string }>;
}

/** What the outbox itself knows about the queue; the sync engine adds region states on top. */
export class QueueStatusReader {
  private readonly stmts;

  constructor(
    private readonly db: Db,
    private readonly risk: OfflineCardRisk,
    private readonly clock: () => number = Date.now,
  ) {
    this.stmts = {
      counts: db.prepare("SELECT state, type, COUNT(*) AS count FROM outbox GROUP BY state, type ORDER BY state, type"),
      unreplicated: db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE state = 'acked' AND replicated_at IS NULL"),
      oldestPending: db.prepare("SELECT seq, recorded_at AS recordedAt FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT 1"),
      dead: db.prepare(
        "SELECT seq, event_id AS eventId, type, dead_reason AS reason, attempts, recorded_at AS recordedAt FROM outbox WHERE state = 'dead' ORDER BY seq LIMIT 100",
      ),
      gaps: db.prepare(
        'SELECT region, from_seq AS "from", to_seq AS "to", reported_at AS reportedAt FROM cloud_gaps ORDER BY region, from_seq',
      ),
    };
  }

  read(): LocalQueueStatus {
    const now = this.clock();
    const byType = this.stmts.counts.all() as Array<{ type: string; state: string; count: number }>;
    const counts = { pending: 0, acked: 0, dead: 0, unreplicated: 0 };
    for (const r of byType) counts[r.state as "pending" | "acked" | "dead"] += r.count;
    counts.unreplicated = (this.stmts.unreplicated.get() as { n: number }).n;
    const oldest = this.stmts.oldestPending.get() as { seq: number; recordedAt: number } | undefined;
    return {
      lastSeq: Outbox.lastRecordedSeq(this.db),
      counts,
      byType,
      oldestPendingAgeMs: oldest ? now - oldest.recordedAt : null,
      oldestPendingSeq: oldest?.seq ?? null,
      deadLetters: (this.stmts.dead.all() as Array<Omit<DeadLetter, "recordedAt"> & { recordedAt: number }>).map((d) => ({
        ...d,
        recordedAt: new Date(d.recordedAt).toISOString(),
      })),
      offlineCards: this.risk.exposure().map((e) => ({
        currency: e.currency,
        outstanding: e.outstanding,
        count: e.count,
        oldestAgeMs: e.oldestRecordedAt === null ? null : now - e.oldestRecordedAt,
      })),
      cloudGaps: (this.stmts.gaps.all() as Array<{ region: string; from: number; to: number; reportedAt: number }>).map((g) => ({
        ...g,
        reportedAt: new Date(g.reportedAt).toISOString(),
      })),
    };
  }
}
