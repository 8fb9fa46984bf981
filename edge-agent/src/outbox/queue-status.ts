import type { DeadLetter, LocalQueueStatus } from "@tenderline/shared";
import { OUTBOX_PRUNES_KEY } from "../retention/retention.ts";
import type { OfflineCardRisk } from "../risk/offline-card-limits.ts";
import type { Db } from "../storage/database.ts";
import { Outbox } from "./outbox.ts";

export type { DeadLetter, LocalQueueStatus };

type StateCount = { type: string; state: string; count: number };

/**
 * What the outbox itself knows about the queue; the sync engine adds region states on top.
 * The manager screen reads it every second, so it does not read the whole outbox each time: an
 * acked row stays acked until retention prunes it, so the acked rows up to `floor` (every row up
 * to there is acked) are counted once and kept, and a reading scans only the rows after the floor.
 * A prune (recorded in `meta` by retention) makes it count afresh.
 */
export class QueueStatusReader {
  private readonly stmts;
  private settled = { floor: 0, prunes: "", ackedByType: new Map<string, number>() };

  constructor(
    private readonly db: Db,
    private readonly risk: OfflineCardRisk,
    private readonly clock: () => number = Date.now,
  ) {
    this.stmts = {
      prunes: db.prepare("SELECT value FROM meta WHERE key = ?").pluck(),
      after: db.prepare("SELECT seq, state, type FROM outbox WHERE seq > ? ORDER BY seq"),
      unreplicated: db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE state = 'acked' AND replicated_at IS NULL"),
      oldestPending: db.prepare(
        "SELECT seq, recorded_at AS recordedAt FROM outbox WHERE state = 'pending' AND seq > ? ORDER BY seq LIMIT 1",
      ),
      dead: db.prepare(
        "SELECT seq, event_id AS eventId, type, dead_reason AS reason, attempts, recorded_at AS recordedAt FROM outbox WHERE state = 'dead' AND seq > ? ORDER BY seq LIMIT 100",
      ),
      gaps: db.prepare(
        'SELECT region, from_seq AS "from", to_seq AS "to", reported_at AS reportedAt FROM cloud_gaps ORDER BY region, from_seq',
      ),
    };
  }

  /** Counts by state and type, ordered by state then type: the settled acked rows plus a scan of those after them. */
  private countByStateAndType(): StateCount[] {
    const prunes = String(this.stmts.prunes.get(OUTBOX_PRUNES_KEY) ?? "0");
    if (prunes !== this.settled.prunes) this.settled = { floor: 0, prunes, ackedByType: new Map() };
    const settled = this.settled;
    const live = new Map<string, StateCount>();
    let settling = true;
    for (const row of this.stmts.after.iterate(settled.floor) as Iterable<{ seq: number; state: string; type: string }>) {
      if (settling && row.state === "acked") {
        settled.ackedByType.set(row.type, (settled.ackedByType.get(row.type) ?? 0) + 1);
        settled.floor = row.seq;
        continue;
      }
      settling = false;
      const key = `${row.state}\u0000${row.type}`;
      const entry = live.get(key) ?? { type: row.type, state: row.state, count: 0 };
      entry.count++;
      live.set(key, entry);
    }
    for (const [type, count] of settled.ackedByType) {
      const key = `acked\u0000${type}`;
      const entry = live.get(key) ?? { type, state: "acked", count: 0 };
      entry.count += count;
      live.set(key, entry);
    }
    return [...live.values()].sort((a, b) =>
      a.state === b.state ? (a.type < b.type ? -1 : a.type > b.type ? 1 : 0) : a.state < b.state ? -1 : 1,
    );
  }

  read(): LocalQueueStatus {
    const now = this.clock();
    const byType = this.countByStateAndType();
    const counts = { pending: 0, acked: 0, dead: 0, unreplicated: 0 };
    for (const r of byType) counts[r.state as "pending" | "acked" | "dead"] += r.count;
    counts.unreplicated = (this.stmts.unreplicated.get() as { n: number }).n;
    const floor = this.settled.floor;
    const oldest = this.stmts.oldestPending.get(floor) as { seq: number; recordedAt: number } | undefined;
    return {
      lastSeq: Outbox.lastRecordedSeq(this.db),
      counts,
      byType,
      oldestPendingAgeMs: oldest ? now - oldest.recordedAt : null,
      oldestPendingSeq: oldest?.seq ?? null,
      deadLetters: (this.stmts.dead.all(floor) as Array<Omit<DeadLetter, "recordedAt"> & { recordedAt: number }>).map((d) => ({
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
