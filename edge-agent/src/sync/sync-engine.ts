import type { BatchResponse, SyncAlert, SyncStatus } from "@tenderline/shared";
import { BrokenCircuitError, ExponentialBackoff, fullJitterGenerator, type IBackoff } from "cockatiel";
import type { SyncSettings } from "../config/config.ts";
import type { Logger } from "../logging/logger.ts";
import type { Outbox, OutboxRow } from "../outbox/outbox.ts";
import { IdleCadence } from "./idle-cadence.ts";
import { RegionCallError, type RegionEndpoint } from "./region-client.ts";
import { RegionLink } from "./region-link.ts";
import { chooseOrder, retriesSameRegion } from "./region-selection.ts";

export interface SyncEngineOptions {
  outbox: Outbox;
  storeId: string;
  registerId: string;
  regions: readonly RegionEndpoint[];
  token: string;
  settings: SyncSettings;
  logger: Logger;
  clock?: () => number;
}

interface BatchRow extends OutboxRow {
  /** Already acked by some region: sent again because the target may lack it. */
  resend: boolean;
}

type Range = { from: number; to: number };
/** What a region said it holds of this register; maxSeq only from its status (a batch answer has none). */
type HeldWatermark = { contiguousSeq: number; replicatedSeq: number; maxSeq?: number };
type WakeReason = "sale" | "region" | "operator";

const THROUGHPUT_WINDOW_MS = 10_000;

/**
 * Replays the outbox to the healthiest region, in seq order, in batches bounded by count and bytes.
 * One batch in flight at a time. Every row stays `pending` until a region's answer says accepted or
 * duplicate, so a crash, a timeout or a lost answer only ever causes a resend (the region's
 * idempotency makes that safe). Rows a region lacks (its gaps, everything above what it holds, rows
 * acked by another region and not yet replicated) are sent to it again.
 */
export class SyncEngine {
  private readonly links: RegionLink[];
  private readonly clock: () => number;
  private readonly backoffFactory;
  private backoff: IBackoff<unknown> | undefined;
  private current: string | null = null;
  private lastTarget: string | null = null;
  private readonly needStatus = new Set<string>();
  /** Regions that may lack rows another region acked (set when a region becomes the target). */
  private readonly checkElsewhere = new Set<string>();
  private readonly resend = new Map<string, Range[]>();
  /** The highest watermark each region has reported: one below it means the region forgot (a restore). */
  private readonly heldBy = new Map<string, HeldWatermark>();
  /** Pruned ranges already raised, per region (the outbox also remembers them across restarts). */
  private readonly prunedRaised = new Set<string>();
  private pendingFloor = 0;
  private batchLimit: number;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private probeTimer: ReturnType<typeof setInterval> | undefined;
  private probing = false;
  private wakeUp: ((reason: WakeReason) => void) | null = null;
  private wokenFor: WakeReason | null = null;
  private manualPause = false;
  private credentialsRejected = false;
  /** The regions that refused this register's credential, while they all do. */
  private refusedBy: string[] = [];
  private token: string;
  /** Counts new credentials: a refusal of a batch sent with an older one says nothing about the current one. */
  private credentialGeneration = 0;
  private offlineSince: number | null = null;
  private lastAckAt: number | null = null;
  private acks: Array<{ at: number; n: number }> = [];
  /** Rows a region refused when resent: not offered again (they stay acked by the region that took them). */
  private readonly refusedResends = new Set<number>();
  private readonly counters = { sent: 0, failed: 0, resent: 0 };
  private readonly idle: IdleCadence;
  /** Each region's gaps as last told (by a status read or a batch's watermark), to tell news from repeats. */
  private readonly lastGaps = new Map<string, string>();

  constructor(private readonly o: SyncEngineOptions) {
    this.clock = o.clock ?? Date.now;
    this.token = o.token;
    this.links = o.regions.map((r, i) => new RegionLink(r, i, o.token, o.settings, this.clock));
    this.batchLimit = o.settings.batchMaxEvents;
    this.idle = new IdleCadence(o.settings.idlePollMs, o.settings.idlePollMaxMs);
    this.backoffFactory = new ExponentialBackoff({
      initialDelay: o.settings.retryBaseMs,
      maxDelay: o.settings.retryCapMs,
      generator: fullJitterGenerator,
    });
  }

  start(): void {
    if (this.loop) return;
    this.probeTimer = setInterval(() => void this.probeAll(), this.o.settings.probeIntervalMs);
    void this.probeAll();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.wake("operator");
    await this.loop;
  }

  /** A new event was recorded (or something changed): run now unless backing off after a failure. */
  wake(reason: WakeReason = "sale"): void {
    if (this.wakeUp) this.wakeUp(reason);
    else this.wokenFor = reason;
  }

  pause(): void {
    this.manualPause = true;
  }

  resume(): void {
    this.manualPause = false;
    this.credentialsRejected = false;
    this.refusedBy = [];
    this.wake("operator");
  }

  /** The manager's "sync now": clears a credentials pause and any backoff, and runs at once. */
  syncNow(): void {
    this.credentialsRejected = false;
    this.refusedBy = [];
    this.manualPause = false;
    this.backoff = undefined;
    for (const l of this.links) this.needStatus.add(l.name);
    this.idle.reset();
    this.wake("operator");
  }

  /**
   * A new credential for the regions (the register's config was edited): every request from now on
   * carries it; a batch already in flight finishes with the one it was sent with. If sync was paused
   * because every region refused the old credential, that pause ends and sync runs at once; a
   * manager's pause stays. The outbox is not touched: rows stay pending until a region acks them, so
   * nothing is queued again or skipped. The same credential again changes nothing.
   */
  setCredential(token: string): void {
    if (token === this.token) return;
    this.token = token;
    this.credentialGeneration++;
    for (const l of this.links) l.setToken(token);
    const wasRefused = this.credentialsRejected;
    this.credentialsRejected = false;
    this.refusedBy = [];
    this.backoff = undefined;
    this.o.logger.info(
      { credentialsPauseLifted: wasRefused, managerPause: this.manualPause },
      this.manualPause ? "took a new credential; sync stays paused by the manager" : "took a new credential; syncing with it",
    );
    this.wake("operator");
  }

  /**
   * Resolves after `ms` (false) or a wake-up (true); `acceptSales` false ignores new sales (backing
   * off). A wake-up that came while awake ends the next sleep at once.
   */
  private sleep(ms: number, acceptSales: boolean): Promise<boolean> {
    if (this.wokenFor && (acceptSales || this.wokenFor !== "sale")) {
      this.wokenFor = null;
      return Promise.resolve(true);
    }
    this.wokenFor = null;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), ms);
      const self = this;
      function done(woken: boolean) {
        clearTimeout(timer);
        self.wakeUp = null;
        resolve(woken);
      }
      this.wakeUp = (reason) => {
        if (reason === "sale" && !acceptSales) return;
        done(true);
      };
    });
  }

  private async probeAll(): Promise<void> {
    if (this.probing || this.stopped) return;
    this.probing = true;
    try {
      const recovered = await Promise.all(this.links.map((l) => l.probe()));
      if (recovered.some(Boolean)) this.wake("region");
    } finally {
      this.probing = false;
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.step();
      } catch (error) {
        // A local failure (say SQLITE_BUSY under a long write burst): nothing is lost, rows stay as they
        // were; log it and try again after a pause rather than let the engine die.
        this.o.logger.error({ err: error }, "sync step failed; retrying");
        this.backoff = (this.backoff ?? this.backoffFactory).next(undefined);
        await this.sleep(this.backoff.duration, false);
      }
    }
  }

  /** One turn: pick the region, send one batch (or idle / back off). */
  private async step(): Promise<void> {
    if (this.manualPause || this.credentialsRejected) {
      await this.sleep(this.o.settings.idlePollMs, false);
      return;
    }
    const order = chooseOrder(this.links, this.current, this.clock(), this.o.settings.failbackAfterMs);
    const target = order[0] as string;
    if (target !== this.lastTarget) {
      if (this.lastTarget !== null) this.o.logger.info({ from: this.lastTarget, to: target }, "sync target region changed");
      this.lastTarget = target;
      this.needStatus.add(target);
      this.checkElsewhere.add(target);
    }
    const news = this.needStatus.has(target) ? await this.refreshStatus(target) : false;
    // Paused while the status read was out: no batch is built after a pause has returned.
    if (this.manualPause || this.credentialsRejected || this.stopped) return;
    const rows = this.buildBatch(target);
    if (rows.length === 0) {
      const woken = await this.sleep(this.idle.next(news), true);
      // Idle the whole wait: next time ask the target what it holds (replication progress, gaps).
      // Woken by a sale: send it; its batch's answer tells the same.
      if (!woken) this.needStatus.add(target);
      this.pendingFloor = 0;
      return;
    }
    // No reset of the idle cadence: the batch's answer carries the watermark a status read would
    // bring, so a register selling every few seconds need not also ask after each sale.
    const outcome = await this.sendThrough(order, rows);
    if (outcome !== "failed" && outcome !== "retry-here") return;
    // A current region's one failed batch is not the register going offline: it is tried again.
    if (outcome === "failed") this.offlineSince ??= this.clock();
    this.backoff = (this.backoff ?? this.backoffFactory).next(undefined);
    const pending = rows.filter((r) => !r.resend).map((r) => r.seq);
    const lastError = this.links.find((l) => l.name === target)?.lastError ?? "no region answered";
    this.o.outbox.recordFailure(pending, lastError, this.clock() + this.backoff.duration);
    await this.sleep(this.backoff.duration, false);
  }

  /**
   * Tries the regions in order until one takes the batch. A fault of the region this register is
   * syncing to moves the batch on only once that region looks down (its breaker open, its probe
   * failed); before that the batch waits out a short backoff and goes to the same region again.
   * One slow answer or one reset connection (an instance of the region dying behind its load
   * balancer, a burst that outlasted the timeout) is not a reason to send a register's sales to
   * another region, where they would wait for replication to reach home.
   */
  private async sendThrough(
    order: readonly string[],
    rows: BatchRow[],
  ): Promise<"sent" | "retry-now" | "retry-here" | "paused" | "failed"> {
    // One region refusing the credential may be that region's mistake: the next may take it.
    const refused: string[] = [];
    let answered = 0;
    const generation = this.credentialGeneration;
    for (const name of order) {
      const link = this.links.find((l) => l.name === name) as RegionLink;
      try {
        const response = await link.send(
          this.o.storeId,
          this.o.registerId,
          rows.map((r) => r.body),
        );
        this.apply(name, rows, response);
        this.refusedBy = [];
        return "sent";
      } catch (error) {
        if (error instanceof BrokenCircuitError) continue;
        answered++;
        this.counters.failed++;
        if (!(error instanceof RegionCallError)) throw error;
        if (error.kind === "auth") {
          refused.push(name);
          this.o.logger.warn(
            { region: name, error: error.message },
            "the region refused this register's credential; trying the next",
          );
          continue;
        }
        if (error.kind === "too_large" || error.kind === "client") return this.shrinkOrDeadLetter(rows, error);
        if (retriesSameRegion(link, this.current)) {
          this.o.logger.warn(
            { region: name, error: error.message, events: rows.length },
            "batch failed; trying the same region again",
          );
          return "retry-here";
        }
        this.o.logger.warn({ region: name, error: error.message, events: rows.length }, "batch failed; trying the next region");
      }
    }
    if (refused.length > 0 && refused.length === answered) {
      if (generation !== this.credentialGeneration) {
        // Refused with the credential this batch went out with; a new one came meanwhile: try it now.
        this.o.logger.info({ regions: refused }, "the old credential was refused; sending again with the new one");
        return "retry-now";
      }
      this.credentialsRejected = true;
      this.refusedBy = refused;
      this.o.logger.error({ regions: refused }, "every region refused this register's credential: sync paused, nothing dropped");
      return "paused";
    }
    return "failed";
  }

  /** A batch the region refuses as a whole: halve it; a single event it refuses goes to dead letters. */
  private shrinkOrDeadLetter(rows: BatchRow[], error: RegionCallError): "retry-now" {
    if (rows.length > 1) {
      this.batchLimit = Math.max(1, Math.floor(rows.length / 2));
      this.o.logger.warn(
        { error: error.message, nextBatch: this.batchLimit },
        "region refused the batch; sending smaller batches",
      );
      return "retry-now";
    }
    const row = rows[0] as BatchRow;
    if (!row.resend) {
      this.o.outbox.markDead([{ seq: row.seq, reason: `refused: ${error.message}` }]);
      this.alert("dead_letter", row, error.message);
    }
    this.batchLimit = this.o.settings.batchMaxEvents;
    return "retry-now";
  }

  private alert(kind: SyncAlert["kind"], row: OutboxRow, reason: string): void {
    this.o.outbox.recordAlert({ kind, seq: row.seq, eventId: row.eventId, reason }, this.clock());
    this.o.logger.error({ kind, seq: row.seq, eventId: row.eventId, reason }, "sync alert");
  }

  private apply(region: string, rows: readonly BatchRow[], response: BatchResponse): void {
    const byId = new Map(rows.map((r) => [r.eventId, r]));
    const acked: number[] = [];
    const dead: Array<{ seq: number; reason: string }> = [];
    for (const result of response.results) {
      const row = byId.get(result.eventId);
      if (!row) continue;
      if (result.status === "accepted" || result.status === "duplicate") {
        acked.push(row.seq);
        continue;
      }
      const reason = [result.reason ?? "rejected", result.detail].filter(Boolean).join(": ");
      if (row.resend) {
        // The region refused a copy of an event another region already took: keep it acked, raise it.
        this.refusedResends.add(row.seq);
        this.alert("rejected_resend", row, reason);
        continue;
      }
      dead.push({ seq: row.seq, reason });
      this.alert(/conflict/.test(result.reason ?? "") ? "conflict" : "dead_letter", row, reason);
    }
    this.o.outbox.applyBatchOutcome({
      region,
      acked,
      dead,
      replicatedSeq: response.watermark.replicatedSeq,
      gaps: response.watermark.gaps,
      at: this.clock(),
    });
    this.lastGaps.set(region, JSON.stringify(response.watermark.gaps));
    this.queueResend(region, response.watermark.gaps);
    this.notePruned(region, response.watermark.gaps);
    if (this.noteWatermark(region, response.watermark)) {
      // The answer alone does not say what the region holds above its gaps: ask, before the next batch.
      this.needStatus.add(region);
    }
    const now = this.clock();
    this.current = region;
    this.offlineSince = null;
    this.backoff = undefined;
    this.batchLimit = this.o.settings.batchMaxEvents;
    this.lastAckAt = now;
    this.acks.push({ at: now, n: acked.length });
    if (this.acks.length > 1000) this.acks = this.acks.filter((a) => now - a.at <= THROUGHPUT_WINDOW_MS);
    this.counters.sent++;
    this.counters.resent += rows.filter((r) => r.resend).length;
  }

  /**
   * What `region` holds: marks replication progress and queues what it lacks for resend. True when
   * the answer differs from the region's last one (a failed read tells nothing new).
   */
  private async refreshStatus(region: string): Promise<boolean> {
    const link = this.links.find((l) => l.name === region) as RegionLink;
    try {
      const status = await link.registerStatus(this.o.storeId, this.o.registerId);
      this.needStatus.delete(region);
      const gaps = JSON.stringify(status.gaps);
      const gapsChanged = this.lastGaps.get(region) !== gaps;
      this.lastGaps.set(region, gaps);
      this.o.outbox.applyRegionStatus({ region, replicatedSeq: status.replicatedSeq, gaps: status.gaps, at: this.clock() });
      const ranges = [...status.gaps];
      const maxAcked = this.o.outbox.maxAckedSeq();
      const lacksAcked = maxAcked > status.maxSeq;
      if (lacksAcked) ranges.push({ from: status.maxSeq + 1, to: maxAcked });
      const heldLess = this.noteWatermark(region, status);
      this.resend.set(region, []);
      this.queueResend(region, ranges);
      // Above what it holds, up to the last seq recorded: the newest rows may have been pruned too.
      this.notePruned(region, [...status.gaps, { from: status.maxSeq + 1, to: Number.MAX_SAFE_INTEGER }]);
      // News is what asks this register to act (resend, look again soon). Replication moving on
      // is not: every sale moves it, and pruning can wait for the next read.
      return gapsChanged || lacksAcked || heldLess;
    } catch (error) {
      if (error instanceof RegionCallError && error.kind === "auth") {
        // The batches find out whether the other regions take the credential.
        this.o.logger.warn({ region, error: error.message }, "the region refused this register's credential reading its status");
        return false;
      }
      // The batches will find out; their watermarks carry the gaps too.
      this.o.logger.warn({ region, error: (error as Error).message }, "could not read the register's status in the region");
      return false;
    }
  }

  /**
   * Keeps the region's highest watermark; true (and a warning) when this one is below it: the region
   * holds less of this register than it said (restored from a backup, lost its tail). What it now
   * lacks is resent from its status; rows it had pruned-for are raised by notePruned.
   */
  private noteWatermark(region: string, w: HeldWatermark): boolean {
    const before = this.heldBy.get(region);
    const maxSeq = Math.max(before?.maxSeq ?? 0, w.maxSeq ?? 0);
    const now: HeldWatermark = {
      contiguousSeq: Math.max(before?.contiguousSeq ?? 0, w.contiguousSeq),
      replicatedSeq: Math.max(before?.replicatedSeq ?? 0, w.replicatedSeq),
      ...(maxSeq > 0 ? { maxSeq } : {}),
    };
    const regressed =
      before !== undefined &&
      (w.contiguousSeq < before.contiguousSeq ||
        w.replicatedSeq < before.replicatedSeq ||
        (w.maxSeq !== undefined && before.maxSeq !== undefined && w.maxSeq < before.maxSeq));
    if (regressed) {
      this.o.logger.warn(
        {
          region,
          contiguousSeq: w.contiguousSeq,
          wasContiguousSeq: before.contiguousSeq,
          replicatedSeq: w.replicatedSeq,
          wasReplicatedSeq: before.replicatedSeq,
        },
        "the region holds less of this register than it said; resending what it lacks",
      );
      // From here on compare with what it holds now, so a second regression is seen too.
      this.heldBy.set(region, {
        contiguousSeq: w.contiguousSeq,
        replicatedSeq: w.replicatedSeq,
        ...(w.maxSeq === undefined ? {} : { maxSeq: w.maxSeq }),
      });
      return true;
    }
    this.heldBy.set(region, now);
    return false;
  }

  /**
   * Ranges `region` lacks that this register no longer holds (pruned once every region had them):
   * they cannot be resent, only replicated back from another region. Raised once per region and
   * range: a warning in the log (seqs only) and a note the manager screen shows.
   */
  private notePruned(region: string, ranges: readonly Range[]): void {
    for (const r of ranges) {
      for (const gone of this.o.outbox.prunedInRange(r.from, r.to)) {
        const key = `${region}:${gone.from}-${gone.to}`;
        if (this.prunedRaised.has(key)) continue;
        this.prunedRaised.add(key);
        if (!this.o.outbox.recordPrunedAsk(region, gone.from, gone.to, this.clock())) continue;
        this.o.logger.warn(
          { region, from: gone.from, to: gone.to },
          "the region lacks events this register already pruned after replication; they must come back from another region",
        );
      }
    }
  }

  private queueResend(region: string, ranges: readonly Range[]): void {
    if (ranges.length === 0) return;
    const queue = this.resend.get(region) ?? [];
    for (const r of ranges) {
      if (!queue.some((q) => q.from <= r.from && q.to >= r.to)) queue.push({ from: r.from, to: r.to });
    }
    queue.sort((a, b) => a.from - b.from);
    this.resend.set(region, queue);
  }

  /** Pending rows first (fresh sales wait least), then what the target lacks, within the limits. */
  private buildBatch(target: string): BatchRow[] {
    const maxBytes = this.o.settings.batchMaxBytes;
    const pending = this.o.outbox.pendingBatch(this.batchLimit, maxBytes, this.pendingFloor);
    if (pending.length > 0) this.pendingFloor = (pending[0] as OutboxRow).seq - 1;
    const rows: BatchRow[] = pending.map((r) => ({ ...r, resend: false }));
    let bytes = rows.reduce((s, r) => s + r.bytes, 0);
    const seen = new Set(rows.map((r) => r.seq));
    /** Adds candidates in order while they fit; returns how many were taken (added or already in the batch). */
    const add = (candidates: readonly OutboxRow[]): number => {
      let taken = 0;
      for (const c of candidates) {
        if (rows.length >= this.batchLimit || (rows.length > 0 && bytes + c.bytes > maxBytes)) break;
        taken++;
        if (seen.has(c.seq) || this.refusedResends.has(c.seq)) continue;
        rows.push({ ...c, resend: true });
        seen.add(c.seq);
        bytes += c.bytes;
      }
      return taken;
    };
    const queue = this.resend.get(target) ?? [];
    while (queue.length > 0 && rows.length < this.batchLimit) {
      const range = queue[0] as Range;
      const room = this.batchLimit - rows.length;
      const found = this.o.outbox.ackedInRange(range.from, range.to, room);
      const taken = add(found);
      if (taken === found.length && found.length < room) {
        // The outbox holds nothing more in this range (what is missing is pending, dead or pruned).
        queue.shift();
        continue;
      }
      if (taken > 0) range.from = (found[taken - 1] as OutboxRow).seq + 1;
      if (range.from > range.to) queue.shift();
      break;
    }
    if (rows.length < this.batchLimit && this.checkElsewhere.has(target)) {
      const room = this.batchLimit - rows.length;
      const found = this.o.outbox.ackedElsewhereUnreplicated(target, room);
      // Once none are left, stop asking until the target changes (the query scans unreplicated rows).
      if (add(found) === found.length && found.length < room) this.checkElsewhere.delete(target);
    }
    return rows;
  }

  /**
   * The regions this engine would send its next batch to, best first (the same choice as `step`),
   * without those it knows are down (failed probe or open breaker): where the register's other
   * calls to the cloud (a return's lookup of an original) should go. Empty when none is usable.
   */
  regionChoice(): Array<{ name: string; url: string }> {
    const order = chooseOrder(this.links, this.current, this.clock(), this.o.settings.failbackAfterMs);
    return order
      .map((name) => this.links.find((l) => l.name === name) as RegionLink)
      .filter((l) => l.probeOk !== false && l.breakerState !== "open")
      .map((l) => ({ name: l.name, url: l.endpoint.url }));
  }

  status(): SyncStatus {
    const now = this.clock();
    this.acks = this.acks.filter((a) => now - a.at <= THROUGHPUT_WINDOW_MS);
    const acked = this.acks.reduce((s, a) => s + a.n, 0);
    const pending = this.o.outbox.pendingBatch(1, Number.MAX_SAFE_INTEGER, this.pendingFloor).length > 0;
    const state = this.credentialsRejected
      ? "credentials rejected"
      : this.manualPause
        ? "paused"
        : this.offlineSince !== null
          ? "offline"
          : pending
            ? "syncing"
            : "idle";
    return {
      state,
      paused: this.manualPause || this.credentialsRejected,
      credentialsRejected: this.credentialsRejected,
      credentialsRefusedBy: this.refusedBy,
      activeRegion: this.current,
      offlineSince: this.offlineSince === null ? null : new Date(this.offlineSince).toISOString(),
      lastAckAt: this.lastAckAt === null ? null : new Date(this.lastAckAt).toISOString(),
      throughput: {
        eventsPerSec: Math.round((acked / THROUGHPUT_WINDOW_MS) * 1000 * 10) / 10,
        windowSeconds: THROUGHPUT_WINDOW_MS / 1000,
      },
      regions: this.links.map((l) => l.view(l.name === this.current)),
      alerts: this.o.outbox.alerts().map((a): SyncAlert => ({ ...a, at: new Date(a.at).toISOString() })),
      batches: { ...this.counters },
      resendQueued: [...this.resend].flatMap(([region, ranges]) => ranges.map((r) => ({ region, ...r }))),
    };
  }
}
