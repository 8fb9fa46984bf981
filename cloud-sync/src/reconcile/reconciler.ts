import { storeRecords } from "../ingest/store-records.ts";
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { TenderAuthorityError } from "../processor/authority-errors.ts";
import type { TenderAuthority, TenderLookupResult } from "../processor/tender-authority.ts";
import type { Database } from "../storage/database.ts";
import { nextAttemptAt } from "./backoff.ts";
import { resultRecord, type TenderResult, tenderResult } from "./tender-result.ts";

export interface ReconcilerOptions {
  /** Not found this long after the cloud first saw the tender: a final not_found. Default 72 h. */
  deadlineMs: number;
  /**
   * A tender owned by another region is taken over when still pending this long after we saw it,
   * and only while that region is out of reach (a reachable owner is doing its own work).
   */
  takeoverMs: number;
  /** The regions out of reach now; none when absent (never take over). */
  unreachableRegions?: () => Promise<string[]>;
  batch: number;
  /** How long a claimed tender stays ours while we ask the processor. */
  leaseMs: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  logger?: Logger;
  metrics?: Metrics;
}

export interface ReconcileSummary {
  claimed: number;
  results: Record<TenderResult["outcome"], number>;
  retried: number;
  error?: string;
}

interface WorkRow {
  event_id: string;
  tender_id: string;
  transaction_id: string;
  store_id: string;
  terminal_txn_id: string;
  amount: number;
  currency: string;
  card_token: string;
  last4: string;
  attempts: number;
  first_seen: Date | string;
}

/**
 * Completes offline card tenders from the processor's records. Each tender is claimed with a
 * lease (SKIP LOCKED: instances of one region never ask about the same tender at once), owned by
 * one region, and its answer stored as a tender_result record whose id and content depend only on
 * the tender and the answer: running it twice, or in two regions, leaves one result per tender.
 */
export class Reconciler {
  constructor(
    private readonly db: Database,
    private readonly region: string,
    private readonly authority: TenderAuthority,
    private readonly options: ReconcilerOptions,
  ) {}

  async runOnce(now: Date = new Date()): Promise<ReconcileSummary> {
    const summary: ReconcileSummary = {
      claimed: 0,
      results: { matched: 0, amount_mismatch: 0, declined: 0, not_found: 0 },
      retried: 0,
    };
    for (;;) {
      const claimed = await this.claim(now);
      if (claimed.length === 0) return summary;
      summary.claimed += claimed.length;
      let answers: TenderLookupResult[];
      try {
        answers = await this.authority.lookup(
          claimed.map((w) => ({
            terminalTxnId: w.terminal_txn_id,
            expected: { amount: Number(w.amount), currency: w.currency },
            token: w.card_token,
            last4: w.last4,
          })),
        );
      } catch (error) {
        if (!(error instanceof TenderAuthorityError)) throw error;
        // The processor did not answer usefully: nothing is decided, everything is retried later.
        await this.retry(claimed, now, `error:${error.kind}`);
        summary.retried += claimed.length;
        summary.error = error.message;
        this.options.logger?.warn({ err: { message: error.message }, tenders: claimed.length }, "processor lookup failed");
        return summary;
      }
      const final: TenderResult[] = [];
      const again: WorkRow[] = [];
      claimed.forEach((w, i) => {
        const answer = answers[i] as TenderLookupResult;
        const deadline = new Date(w.first_seen).getTime() + this.options.deadlineMs;
        if (answer.outcome === "not_found" && now.getTime() < deadline) {
          again.push(w);
          return;
        }
        final.push(
          tenderResult(
            {
              eventId: w.event_id,
              transactionId: w.transaction_id,
              tenderId: w.tender_id,
              storeId: w.store_id,
              terminalTxnId: w.terminal_txn_id,
              expected: { amount: Number(w.amount), currency: w.currency },
            },
            answer,
          ),
        );
      });
      if (again.length > 0) {
        await this.retry(again, now, "not_found");
        summary.retried += again.length;
      }
      if (final.length > 0) {
        await this.db.transaction(async (tx) => {
          await storeRecords(
            tx,
            final.map((r) => resultRecord(r, this.region)),
          );
          await tx.query(
            `UPDATE reconcile_work w SET status = 'done', lease_until = NULL, last_outcome = k.outcome
             FROM unnest($1::uuid[], $2::text[], $3::text[]) AS k(event_id, tender_id, outcome)
             WHERE w.event_id = k.event_id AND w.tender_id = k.tender_id`,
            [final.map((r) => r.eventId), final.map((r) => r.tenderId), final.map((r) => r.outcome)],
          );
        });
        for (const r of final) {
          summary.results[r.outcome]++;
          this.options.metrics?.reconciliations.inc({ outcome: r.outcome });
        }
      }
    }
  }

  /** Leases due tenders this region should look up now. */
  private async claim(now: Date): Promise<WorkRow[]> {
    return this.db.query<WorkRow>(
      `UPDATE reconcile_work w SET lease_until = $2::timestamptz + make_interval(secs => $3::float8 / 1000)
       FROM (
         SELECT event_id, tender_id FROM reconcile_work
         WHERE status = 'pending' AND next_attempt_at <= $2 AND (lease_until IS NULL OR lease_until < $2)
           AND (owner_region = $1 OR (owner_region = ANY($6::text[])
                AND first_seen <= $2::timestamptz - make_interval(secs => $4::float8 / 1000)))
         ORDER BY next_attempt_at, event_id, tender_id
         LIMIT $5 FOR UPDATE SKIP LOCKED
       ) due
       WHERE w.event_id = due.event_id AND w.tender_id = due.tender_id
       RETURNING w.event_id::text, w.tender_id, w.transaction_id, w.store_id, w.terminal_txn_id, w.amount, w.currency,
                 w.card_token, w.last4, w.attempts, w.first_seen`,
      [
        this.region,
        now.toISOString(),
        this.options.leaseMs,
        this.options.takeoverMs,
        this.options.batch,
        (await this.options.unreachableRegions?.()) ?? [],
      ],
    );
  }

  private async retry(rows: readonly WorkRow[], now: Date, outcome: string): Promise<void> {
    const next = rows.map((w) =>
      new Date(
        nextAttemptAt(
          now.getTime(),
          Number(w.attempts),
          new Date(w.first_seen).getTime() + this.options.deadlineMs,
          this.options.backoffBaseMs,
          this.options.backoffMaxMs,
        ),
      ).toISOString(),
    );
    await this.db.query(
      `UPDATE reconcile_work w SET attempts = w.attempts + 1, next_attempt_at = k.next_at, lease_until = NULL, last_outcome = $4
       FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS k(event_id, tender_id, next_at)
       WHERE w.event_id = k.event_id AND w.tender_id = k.tender_id`,
      [rows.map((w) => w.event_id), rows.map((w) => w.tender_id), next, outcome],
    );
  }
}
