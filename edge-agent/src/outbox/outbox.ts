import { CURRENT_SCHEMA_VERSION } from "@tenderline/shared";
import { mintId } from "../ids/ids.ts";
import { commitWithoutWaitingForDisk, type Db, type Statement } from "../storage/database.ts";
import type { WalFlusher } from "../storage/wal-flush.ts";

export type OutboxState = "pending" | "acked" | "dead";

export interface RecordedEvent {
  seq: number;
  eventId: string;
  recordedAt: number;
}

/** One outbox row as the sync engine sends it: `body` is the event's JSON exactly as recorded. */
export interface OutboxRow {
  seq: number;
  eventId: string;
  type: string;
  body: string;
  bytes: number;
  recordedAt: number;
}

/** Something the sync engine could not deliver as it should, kept for the store manager. */
export interface SyncAlertRow {
  at: number;
  kind: "conflict" | "rejected_resend" | "dead_letter";
  seq: number;
  eventId: string;
  reason: string;
}

/** How many sync alerts are kept: the newest. */
export const KEPT_SYNC_ALERTS = 100;

/**
 * A region asked for seqs this register had already pruned (they were replicated everywhere, then
 * the region lost them): only another region can give them back. Kept for the store manager.
 */
export interface PrunedAsk {
  region: string;
  from: number;
  to: number;
  at: number;
}

/** How many of those are kept: the newest. */
export const KEPT_PRUNED_ASKS = 20;
const PRUNED_ASK_PREFIX = "pruned_ask:";

const lastSeqQueries = new WeakMap<Db, { max: Statement; floor: Statement }>();

/** The kept PrunedAsks, newest first (a reader that has only the database: the manager screen). */
export function prunedAsks(db: Db): PrunedAsk[] {
  const rows = db.prepare(`SELECT value FROM meta WHERE key GLOB '${PRUNED_ASK_PREFIX}*'`).pluck().all() as string[];
  return rows
    .map((v) => JSON.parse(v) as PrunedAsk)
    .sort((a, b) => b.at - a.at || a.region.localeCompare(b.region) || a.from - b.from);
}

export interface OutboxEnvelopeInput {
  type: string;
  occurredAt: string;
  payload: unknown;
  /**
   * The event's id when it was minted before recording (a return reserved at the cloud under it);
   * else one is minted here.
   */
  eventId?: string;
}

/**
 * The durable outbox. `record` assigns the register's next seq and writes the event in the
 * caller's transaction together with whatever `alsoWrite` adds (ledger rows, idempotency record),
 * so either all of it is on disk or none of it. The next seq is kept in memory (one writer: this
 * process) and follows only committed transactions.
 */
export class Outbox {
  private lastSeq: number;
  private readonly commitListeners: Array<() => void> = [];
  private readonly stmts;
  /**
   * One better-sqlite3 transaction wrapper for every recording (it nests as a savepoint): building
   * a new wrapper per call was 6 % of the CPU of recording a sale.
   */
  private readonly runImmediate: (fn: () => unknown) => unknown;
  /** The last replicatedSeq applied by this process; null until the first. */
  private replicatedSeen: number | null = null;
  /** The highest seq known to be on disk (see transactionFlushed). */
  private durableSeq: number;
  /** Whether this outbox has recorded without waiting for the disk: from then on only durable rows are sent. */
  private flushesLater = false;
  /** Inside transactionFlushed's commit: the commit is not yet durable. */
  private deferDurability = false;

  constructor(
    readonly db: Db,
    readonly storeId: string,
    readonly registerId: string,
    private readonly clock: () => number = Date.now,
  ) {
    this.stmts = {
      insert: db.prepare(
        "INSERT INTO outbox (seq, event_id, type, body, bytes, recorded_at, state) VALUES (?, ?, ?, ?, ?, ?, 'pending')",
      ),
      pending: db.prepare(
        "SELECT seq, event_id AS eventId, type, body, bytes, recorded_at AS recordedAt FROM outbox WHERE state = 'pending' AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
      ),
      ack: db.prepare(
        "UPDATE outbox SET state = 'acked', acked_region = ?, acked_at = ?, last_error = NULL, attempts = attempts + 1 WHERE seq = ? AND state <> 'dead'",
      ),
      reack: db.prepare("UPDATE outbox SET acked_region = ?, acked_at = ? WHERE seq = ? AND state = 'acked'"),
      requeueDead: db.prepare(
        "UPDATE outbox SET state = 'pending', next_attempt_at = 0, dead_reason = NULL, last_error = ? WHERE seq = ? AND state = 'dead'",
      ),
      dead: db.prepare(
        "UPDATE outbox SET state = 'dead', dead_reason = ?, last_error = ?, attempts = attempts + 1 WHERE seq = ? AND state = 'pending'",
      ),
      failure: db.prepare(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE seq = ? AND state = 'pending'",
      ),
      replicated: db.prepare("UPDATE outbox SET replicated_at = ? WHERE seq <= ? AND state = 'acked' AND replicated_at IS NULL"),
      unreplicate: db.prepare("UPDATE outbox SET replicated_at = NULL WHERE seq > ? AND replicated_at IS NOT NULL"),
      countInRange: db.prepare("SELECT COUNT(*) FROM outbox WHERE seq BETWEEN ? AND ?").pluck(),
      // The runs of seqs in [@from, @to] with no outbox row: before, between and after the rows.
      missingInRange: db.prepare(
        `WITH r AS (SELECT seq, LAG(seq, 1, @from - 1) OVER (ORDER BY seq) AS prev FROM outbox WHERE seq BETWEEN @from AND @to)
         SELECT prev + 1 AS "from", seq - 1 AS "to" FROM r WHERE seq > prev + 1
         UNION ALL
         SELECT COALESCE(MAX(seq), @from - 1) + 1, @to FROM r HAVING COALESCE(MAX(seq), @from - 1) < @to
         ORDER BY 1`,
      ),
      insertPrunedAsk: db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)"),
      prunePrunedAsks: db.prepare(
        `DELETE FROM meta WHERE key GLOB '${PRUNED_ASK_PREFIX}*' AND key NOT IN
           (SELECT key FROM meta WHERE key GLOB '${PRUNED_ASK_PREFIX}*' ORDER BY json_extract(value, '$.at') DESC, key LIMIT ?)`,
      ),
      unreplicated: db.prepare(
        "SELECT seq, event_id AS eventId, type, body, bytes, recorded_at AS recordedAt FROM outbox WHERE state = 'acked' AND replicated_at IS NULL AND seq > ? ORDER BY seq LIMIT ?",
      ),
      ackedInRange: db.prepare(
        "SELECT seq, event_id AS eventId, type, body, bytes, recorded_at AS recordedAt FROM outbox WHERE seq BETWEEN ? AND ? AND state = 'acked' ORDER BY seq LIMIT ?",
      ),
      ackedElsewhere: db.prepare(
        "SELECT seq, event_id AS eventId, type, body, bytes, recorded_at AS recordedAt FROM outbox WHERE state = 'acked' AND replicated_at IS NULL AND seq > ? AND acked_region <> ? ORDER BY seq LIMIT ?",
      ),
      maxAcked: db.prepare("SELECT MAX(seq) AS seq FROM outbox WHERE state = 'acked'"),
      inRange: db.prepare(
        "SELECT seq, event_id AS eventId, type, body, bytes, recorded_at AS recordedAt FROM outbox WHERE seq BETWEEN ? AND ? AND state <> 'dead' ORDER BY seq LIMIT ?",
      ),
      insertAlert: db.prepare("INSERT INTO sync_alerts (at, kind, seq, event_id, reason) VALUES (?, ?, ?, ?, ?)"),
      pruneAlerts: db.prepare("DELETE FROM sync_alerts WHERE id <= (SELECT MAX(id) FROM sync_alerts) - ?"),
      alerts: db.prepare("SELECT at, kind, seq, event_id AS eventId, reason FROM sync_alerts ORDER BY id DESC LIMIT ?"),
      clearGaps: db.prepare("DELETE FROM cloud_gaps WHERE region = ?"),
      insertGap: db.prepare("INSERT OR REPLACE INTO cloud_gaps (region, from_seq, to_seq, reported_at) VALUES (?, ?, ?, ?)"),
    };
    this.runImmediate = db.transaction((fn: () => unknown) => fn()).immediate;
    this.lastSeq = Outbox.lastRecordedSeq(db);
    this.durableSeq = this.lastSeq;
  }

  /**
   * The highest seq ever recorded: the outbox's own maximum, or the floor retention leaves in
   * `meta` when it prunes the newest rows, so a seq is never reused.
   */
  static lastRecordedSeq(db: Db): number {
    let q = lastSeqQueries.get(db);
    if (!q) {
      // Prepared once per connection: every batch's answer asks (prunedInRange), and preparing costs more than running.
      q = {
        max: db.prepare("SELECT MAX(seq) AS seq FROM outbox"),
        floor: db.prepare("SELECT value FROM meta WHERE key = 'seq_floor'"),
      };
      lastSeqQueries.set(db, q);
    }
    const max = (q.max.get() as { seq: number | null }).seq ?? 0;
    const floor = q.floor.get() as { value: string } | undefined;
    return Math.max(max, floor ? Number(floor.value) : 0);
  }

  /** The highest seq recorded so far (0 before the first event). */
  get seq(): number {
    return this.lastSeq;
  }

  /** Called once events appended by a transaction are on disk (the sync engine's wake-up). */
  onCommit(listener: () => void): void {
    this.commitListeners.push(listener);
  }

  /** Runs `fn` in one IMMEDIATE transaction; the in-memory seq follows only a successful commit. */
  transaction<T>(fn: () => T): T {
    const before = this.lastSeq;
    const outermost = !this.db.inTransaction;
    let result: T;
    try {
      result = this.runImmediate(fn) as T;
    } catch (error) {
      this.lastSeq = before;
      throw error;
    }
    // A full-sync commit: it and everything before it is on disk.
    if (outermost && !this.deferDurability) this.noteDurable(this.lastSeq);
    return result;
  }

  /**
   * `transaction`, committed without waiting for the disk and then flushed by `flusher` off the
   * event loop (see WalFlusher): resolves once it is on disk, rejects with WalFlushError when the
   * flush failed (it may then be on disk or not). Until it resolves, the rows it appended are not
   * offered to sync (pendingBatch) and the commit listeners are not told: no region gets an event
   * that a power cut could still take back from this register, where its seq would be used again.
   * Only for an outbox whose sync runs on this same object (in-process): a sync worker's own
   * connection would see the rows before they are durable.
   */
  async transactionFlushed<T>(fn: () => T, flusher: WalFlusher): Promise<T> {
    if (!flusher.available) return this.transaction(fn);
    this.flushesLater = true;
    this.deferDurability = true;
    let result: T;
    try {
      result = commitWithoutWaitingForDisk(this.db, () => this.transaction(fn));
    } finally {
      this.deferDurability = false;
    }
    const upTo = this.lastSeq;
    await flusher.flush();
    this.noteDurable(upTo);
    return result;
  }

  private noteDurable(upTo: number): void {
    if (upTo <= this.durableSeq) return;
    this.durableSeq = upTo;
    for (const listener of this.commitListeners) listener();
  }

  /**
   * The seq the next `append` in the current transaction will assign: for a payload that names its
   * own seq (a sale's receipt number). Only inside `transaction`, where no other writer can take it.
   */
  nextSeq(): number {
    if (!this.db.inTransaction) throw new Error("Outbox.nextSeq must run inside Outbox.transaction");
    return this.lastSeq + 1;
  }

  /**
   * Appends one event. Must run inside `transaction` so the ledger rows written next to it commit
   * with it. Returns the envelope's identity; the body is the full event envelope as JSON.
   */
  append(input: OutboxEnvelopeInput): RecordedEvent & { body: string } {
    if (!this.db.inTransaction) throw new Error("Outbox.append must run inside Outbox.transaction");
    const seq = this.lastSeq + 1;
    const eventId = input.eventId ?? mintId();
    const recordedAt = this.clock();
    const event = {
      eventId,
      storeId: this.storeId,
      registerId: this.registerId,
      seq,
      type: input.type,
      occurredAt: input.occurredAt,
      schemaVersion: CURRENT_SCHEMA_VERSION,
      payload: input.payload,
    };
    const body = JSON.stringify(event);
    this.stmts.insert.run(seq, eventId, input.type, body, Buffer.byteLength(body), recordedAt);
    this.lastSeq = seq;
    return { seq, eventId, recordedAt, body };
  }

  // ---- what the sync engine needs ----

  /** Pending rows in seq order after `afterSeq`, cut to at most `maxEvents` rows and `maxBytes` of bodies (at least one row). */
  pendingBatch(maxEvents: number, maxBytes: number, afterSeq = 0): OutboxRow[] {
    // An outbox that never recorded without waiting for the disk (a sync worker's: its agent's
    // commits are full-sync) offers every pending row.
    const upTo = this.flushesLater ? this.durableSeq : Number.MAX_SAFE_INTEGER;
    return cutByBytes(this.stmts.pending.all(afterSeq, upTo, maxEvents) as OutboxRow[], maxBytes);
  }

  /** Rows a region acked but the cloud has not yet reported replicated to its peers, in seq order. */
  ackedUnreplicated(maxEvents: number, maxBytes: number, afterSeq = 0): OutboxRow[] {
    return cutByBytes(this.stmts.unreplicated.all(afterSeq, maxEvents) as OutboxRow[], maxBytes);
  }

  /** Rows the outbox still holds in an inclusive seq range (for gaps a region reports). */
  rowsInRange(fromSeq: number, toSeq: number, maxEvents: number): OutboxRow[] {
    return this.stmts.inRange.all(fromSeq, toSeq, maxEvents) as OutboxRow[];
  }

  /** Acked rows in an inclusive range: resent when a region reports it lacks them. */
  ackedInRange(fromSeq: number, toSeq: number, maxEvents: number): OutboxRow[] {
    return this.stmts.ackedInRange.all(fromSeq, toSeq, maxEvents) as OutboxRow[];
  }

  /** Rows another region acked that the cloud has not reported replicated: `region` may not hold them. */
  ackedElsewhereUnreplicated(region: string, maxEvents: number, afterSeq = 0): OutboxRow[] {
    return this.stmts.ackedElsewhere.all(afterSeq, region, maxEvents) as OutboxRow[];
  }

  maxAckedSeq(): number {
    return (this.stmts.maxAcked.get() as { seq: number | null }).seq ?? 0;
  }

  /**
   * A region's answer to one batch, applied in one transaction (one fsync): acks, dead letters, the
   * replication watermark and the gaps it reports.
   */
  applyBatchOutcome(outcome: {
    region: string;
    acked: readonly number[];
    dead: ReadonlyArray<{ seq: number; reason: string }>;
    replicatedSeq: number;
    gaps: ReadonlyArray<{ from: number; to: number }>;
    at?: number;
  }): void {
    const at = outcome.at ?? this.clock();
    // A power cut may undo this commit: the rows are then sent again and the region answers duplicate.
    commitWithoutWaitingForDisk(this.db, () =>
      this.db.transaction(() => {
        this.markAcked(outcome.acked, outcome.region, at);
        if (outcome.dead.length > 0) this.markDead(outcome.dead);
        this.markReplicatedUpTo(outcome.replicatedSeq, at);
        this.setCloudGaps(outcome.region, outcome.gaps, at);
      })(),
    );
  }

  /**
   * What a status read says the region holds (the replication watermark and the gaps), in one
   * transaction committed without waiting for the disk: a power cut may undo it at no cost, as the
   * next read says it again. An idle fleet reads thousands of statuses a minute; a disk sync for
   * each would be most of what the registers' machines do.
   */
  applyRegionStatus(status: {
    region: string;
    replicatedSeq: number;
    gaps: ReadonlyArray<{ from: number; to: number }>;
    at?: number;
  }): void {
    // A batch's outcome with nothing acked or dead: the same one commit.
    this.applyBatchOutcome({ ...status, acked: [], dead: [] });
  }

  markAcked(seqs: readonly number[], region: string, at = this.clock()): void {
    this.db.transaction(() => {
      for (const seq of seqs) {
        if (this.stmts.ack.run(region, at, seq).changes === 0) this.stmts.reack.run(region, at, seq);
      }
    })();
  }

  markDead(entries: ReadonlyArray<{ seq: number; reason: string }>): void {
    this.db.transaction(() => {
      for (const e of entries) this.stmts.dead.run(e.reason, e.reason, e.seq);
    })();
  }

  /**
   * Puts a dead letter back in the queue after its cause was dealt with (a corrected region rule, a
   * token…): same seq, same body, resent as recorded, never edited. Wakes the sync engine like a
   * new event does. False when the row is not a dead letter.
   */
  requeueDead(seq: number, note: string): boolean {
    const changed = this.stmts.requeueDead.run(note, seq).changes === 1;
    if (changed) for (const listener of this.commitListeners) listener();
    return changed;
  }

  recordFailure(seqs: readonly number[], error: string, nextAttemptAt: number): void {
    // A power cut may undo this commit: the attempt is then counted once less and retried sooner.
    // Waiting for the disk on every failed attempt held the event loop (a fleet's 250 registers
    // failing at once behind an overloaded region) for nothing that needs to survive one.
    commitWithoutWaitingForDisk(this.db, () =>
      this.db.transaction(() => {
        for (const seq of seqs) this.stmts.failure.run(error, nextAttemptAt, seq);
      })(),
    );
  }

  /**
   * The cloud says every seq up to `replicatedSeq` is in every region: those rows may be pruned
   * later. A `replicatedSeq` below one seen before (a region restored from a backup, or one that
   * lost its tail) is a regression: the rows above it this register still holds are no longer
   * known to be everywhere, so they lose `replicated_at` (one UPDATE) and retention keeps them
   * until the cloud says so again. The first call after start does the same, as this process has
   * not seen the watermark yet. Returns how many rows became replicated.
   */
  markReplicatedUpTo(replicatedSeq: number, at = this.clock()): number {
    const floor = Math.max(0, replicatedSeq);
    if (this.replicatedSeen === null || floor < this.replicatedSeen) this.stmts.unreplicate.run(floor);
    this.replicatedSeen = floor;
    if (floor === 0) return 0;
    return this.stmts.replicated.run(at, floor).changes;
  }

  /**
   * The seqs in an inclusive range that this register recorded but no longer holds (retention
   * pruned them), as ranges: they cannot be resent. Seqs above the last one recorded are not counted.
   */
  prunedInRange(fromSeq: number, toSeq: number): Array<{ from: number; to: number }> {
    const from = Math.max(1, fromSeq);
    const to = Math.min(toSeq, Math.max(this.lastSeq, Outbox.lastRecordedSeq(this.db)));
    if (to < from) return [];
    if (Number(this.stmts.countInRange.get(from, to)) === to - from + 1) return [];
    return this.stmts.missingInRange.all({ from, to }) as Array<{ from: number; to: number }>;
  }

  /**
   * Notes that `region` lacks seqs this register already pruned (kept in `meta`, the newest
   * KEPT_PRUNED_ASKS of them). True the first time for that region and range, false after.
   */
  recordPrunedAsk(region: string, fromSeq: number, toSeq: number, at = this.clock()): boolean {
    return this.db.transaction(() => {
      const key = `${PRUNED_ASK_PREFIX}${region}:${fromSeq}-${toSeq}`;
      const value = JSON.stringify({ region, from: fromSeq, to: toSeq, at } satisfies PrunedAsk);
      if (this.stmts.insertPrunedAsk.run(key, value).changes === 0) return false;
      this.stmts.prunePrunedAsks.run(KEPT_PRUNED_ASKS);
      return true;
    })();
  }

  /** Keeps a sync alert (and only the newest KEPT_SYNC_ALERTS of them). */
  recordAlert(alert: Omit<SyncAlertRow, "at">, at = this.clock()): void {
    this.db.transaction(() => {
      this.stmts.insertAlert.run(at, alert.kind, alert.seq, alert.eventId, alert.reason);
      this.stmts.pruneAlerts.run(KEPT_SYNC_ALERTS);
    })();
  }

  /** The kept sync alerts, oldest first. */
  alerts(): SyncAlertRow[] {
    return (this.stmts.alerts.all(KEPT_SYNC_ALERTS) as SyncAlertRow[]).reverse();
  }

  setCloudGaps(region: string, gaps: ReadonlyArray<{ from: number; to: number }>, at = this.clock()): void {
    this.db.transaction(() => {
      this.stmts.clearGaps.run(region);
      for (const g of gaps) this.stmts.insertGap.run(region, g.from, g.to, at);
    })();
  }
}

function cutByBytes(rows: OutboxRow[], maxBytes: number): OutboxRow[] {
  let bytes = 0;
  for (let i = 0; i < rows.length; i++) {
    bytes += (rows[i] as OutboxRow).bytes;
    if (bytes > maxBytes && i > 0) return rows.slice(0, i);
  }
  return rows;
}
