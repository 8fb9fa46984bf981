import { evaluateAnomalies } from "../anomalies/anomaly-rules.ts";
import type { AnomalyThresholds } from "../anomalies/thresholds.ts";
import { countExceptionsByKind, EXCEPTION_KINDS, raiseExceptions, resolveCleared } from "../exceptions/exception-store.ts";
import { indexLog } from "../ledger/ledger-indexer.ts";
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Reconciler, ReconcileSummary } from "../reconcile/reconciler.ts";
import { validateRefunds } from "../refunds/refund-validator.ts";
import type { Replicator } from "../replication/replicator.ts";
import type { Database } from "../storage/database.ts";
import type { SealedResolver } from "../stored-value/derive-stored-value.ts";
import { indexStoredValue } from "../stored-value/stored-value-indexer.ts";
import type { Leadership } from "./job-leader.ts";

export interface JobsSummary {
  indexed: number;
  reconcile: ReconcileSummary | null;
  refunds: { checked: number; overRefunds: number };
  anomalies: number;
}

/**
 * The region's background work, in dependency order: index the log into the ledger, reconcile
 * offline tenders (then index their results), re-check refunds, evaluate anomaly rules.
 */
export class RegionJobs {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly db: Database,
    private readonly parts: {
      regions: readonly string[];
      replicator: Replicator;
      reconciler: Reconciler | null;
      thresholds: AnomalyThresholds;
      intervalMs: number;
      /** The stored-value ledger follows the log when the region holds its keys (else it waits for them). */
      storedValue?: SealedResolver | null;
      logger?: Logger;
      metrics?: Metrics;
    },
  ) {}

  async runOnce(now: Date = new Date()): Promise<JobsSummary> {
    const { db, parts } = this;
    let indexed = await indexLog(db, parts.regions);
    const reconcile = parts.reconciler ? await parts.reconciler.runOnce(now) : null;
    indexed += await indexLog(db, parts.regions);
    if (parts.storedValue) await indexStoredValue(db, parts.storedValue);
    const refunds = await validateRefunds(db);
    const found = await evaluateAnomalies(db, parts.thresholds, await parts.replicator.peerStatus(now.getTime()));
    await db.transaction(async (tx) => {
      await raiseExceptions(tx, found);
      await resolveCleared(tx, found);
    });
    await this.refreshMetrics();
    return { indexed, reconcile, refunds, anomalies: found.length };
  }

  async refreshMetrics(): Promise<void> {
    if (!this.parts.metrics) return;
    const counts = await countExceptionsByKind(this.db);
    for (const kind of EXCEPTION_KINDS) this.parts.metrics.exceptions.set({ kind }, counts.get(kind) ?? 0);
  }

  /** Runs on a timer; with `leader`, only while this instance leads the region's jobs (one instance per region). */
  start(leader?: Leadership): void {
    if (this.timer) return;
    const tick = () => {
      if (this.running || (leader && !leader.isLeader())) return;
      this.running = this.runOnce()
        .catch((error: unknown) => this.parts.logger?.error({ err: { message: (error as Error).message } }, "region jobs failed"))
        .finally(() => {
          this.running = undefined;
        });
    };
    this.timer = setInterval(tick, this.parts.intervalMs);
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
