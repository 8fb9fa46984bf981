import { formatMoney } from "@tenderline/shared";
import { type AgentConfig, offlineCardLimit } from "../config/config.ts";
import { RegisterRefusal } from "../register/refusal.ts";
import type { Db } from "../storage/database.ts";

export interface OfflineCardCandidate {
  tenderId: string;
  amount: { amount: number; currency: string };
}

export interface OfflineExposure {
  currency: string;
  /** Offline card approvals recorded but not yet acked by any region, in minor units. */
  outstanding: number;
  count: number;
  oldestRecordedAt: number | null;
}

/**
 * Offline card risk: an approval without an authCode is money the store may never collect if
 * the card turns out bad or the forward comes too late, so each such tender is capped, and so is
 * the register's total not yet handed to a region.
 */
export class OfflineCardRisk {
  private readonly stmts;

  constructor(
    db: Db,
    private readonly config: Pick<AgentConfig, "offlineCardLimits">,
  ) {
    this.stmts = {
      outstanding: db.prepare(
        "SELECT COALESCE(SUM(o.amount), 0) AS total FROM offline_card_tenders o JOIN outbox b ON b.seq = o.seq WHERE b.state <> 'acked' AND o.currency = ?",
      ),
      exposure: db.prepare(
        "SELECT o.currency AS currency, SUM(o.amount) AS outstanding, COUNT(*) AS count, MIN(o.recorded_at) AS oldestRecordedAt FROM offline_card_tenders o JOIN outbox b ON b.seq = o.seq WHERE b.state <> 'acked' GROUP BY o.currency ORDER BY o.currency",
      ),
      insert: db.prepare(
        "INSERT INTO offline_card_tenders (tender_id, seq, currency, amount, recorded_at) VALUES (?, ?, ?, ?, ?)",
      ),
    };
  }

  outstanding(currency: string): number {
    return (this.stmts.outstanding.get(currency) as { total: number }).total;
  }

  exposure(): OfflineExposure[] {
    return this.stmts.exposure.all() as OfflineExposure[];
  }

  /**
   * Checks the offline card tenders of one transaction against the limits. Returns the tender ids
   * that needed a manager's approval (the caller records who approved on them); throws a refusal
   * when a limit is exceeded and no manager is signed in. Must run inside the recording transaction.
   */
  check(candidates: readonly OfflineCardCandidate[], approver: { managerId: string } | undefined): Set<string> {
    const overridden = new Set<string>();
    if (candidates.length === 0) return overridden;
    const running = new Map<string, number>();
    for (const c of candidates) {
      const currency = c.amount.currency;
      const limit = offlineCardLimit(this.config, currency);
      const before = running.get(currency) ?? this.outstanding(currency);
      const after = before + c.amount.amount;
      running.set(currency, after);
      let problem: string | undefined;
      if (c.amount.amount > limit.perTender) {
        problem = `the offline card payment of ${formatMoney(c.amount)} is over the ${formatMoney({ amount: limit.perTender, currency })} limit for a card approved without the processor`;
      } else if (after > limit.outstanding) {
        problem = `this register already holds ${formatMoney({ amount: before, currency })} of offline card payments not yet sent to the cloud; ${formatMoney(c.amount)} more would pass the ${formatMoney({ amount: limit.outstanding, currency })} limit`;
      }
      if (problem === undefined) continue;
      if (approver === undefined) {
        throw new RegisterRefusal(
          422,
          "offline_card_limit",
          `${problem}. Ask for another tender (cash, or a card once online), or a manager's approval: the manager signs in with their id and PIN.`,
          {
            tenderId: c.tenderId,
            perTenderLimit: limit.perTender,
            outstandingLimit: limit.outstanding,
            outstanding: before,
            currency,
          },
        );
      }
      overridden.add(c.tenderId);
    }
    return overridden;
  }

  record(seq: number, candidates: readonly OfflineCardCandidate[], recordedAt: number): void {
    for (const c of candidates) this.stmts.insert.run(c.tenderId, seq, c.amount.currency, c.amount.amount, recordedAt);
  }
}
