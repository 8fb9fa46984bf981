import { formatMoney } from "@tenderline/shared";
import { type AgentConfig, offlineStoredValueLimit } from "../config/config.ts";
import { RegisterRefusal } from "../register/refusal.ts";
import type { Db } from "../storage/database.ts";

export interface OfflineStoredValueCandidate {
  tenderId: string;
  kind: "gift_card" | "store_credit";
  amount: { amount: number; currency: string };
}

export interface OfflineStoredValueExposure {
  currency: string;
  /** Gift card and store credit redemptions taken without a region's hold, not yet acked by any region, in minor units. */
  outstanding: number;
  count: number;
  oldestRecordedAt: number | null;
}

/**
 * Offline stored-value risk: a gift card or store credit redeemed while no region answers takes
 * value nobody has checked. Offline the register cannot name the account (only a region can turn
 * a sealed number into its token, and sealing is randomised, so two seals of one card differ), so
 * a cap per card is not possible here: each redemption is capped (perTender), and so is the
 * register's total not yet handed to a region (outstanding). The cloud catches a card overdrawn
 * across registers when the events arrive. Past a cap, a signed-in manager approves.
 *
 * Its table, offline_stored_value_tenders, is made by migration 7 (storage/migrations.ts) and joins
 * the outbox like offline_card_tenders; retention (retention/retention.ts) prunes its rows.
 */
export class OfflineStoredValueRisk {
  private readonly stmts;

  constructor(
    db: Db,
    private readonly config: Pick<AgentConfig, "offlineStoredValueLimits">,
  ) {
    this.stmts = {
      outstanding: db.prepare(
        "SELECT COALESCE(SUM(o.amount), 0) AS total FROM offline_stored_value_tenders o JOIN outbox b ON b.seq = o.seq WHERE b.state <> 'acked' AND o.currency = ?",
      ),
      exposure: db.prepare(
        "SELECT o.currency AS currency, SUM(o.amount) AS outstanding, COUNT(*) AS count, MIN(o.recorded_at) AS oldestRecordedAt FROM offline_stored_value_tenders o JOIN outbox b ON b.seq = o.seq WHERE b.state <> 'acked' GROUP BY o.currency ORDER BY o.currency",
      ),
      insert: db.prepare(
        "INSERT INTO offline_stored_value_tenders (tender_id, seq, kind, currency, amount, recorded_at, approved_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ),
      approvedBy: db.prepare("SELECT approved_by AS approvedBy FROM offline_stored_value_tenders WHERE tender_id = ?"),
    };
  }

  outstanding(currency: string): number {
    return (this.stmts.outstanding.get(currency) as { total: number }).total;
  }

  /** What the manager screen shows beside the offline card exposure. */
  exposure(): OfflineStoredValueExposure[] {
    return this.stmts.exposure.all() as OfflineStoredValueExposure[];
  }

  /** The manager who let this offline redemption past the caps, if one did. */
  approvedBy(tenderId: string): string | null {
    const row = this.stmts.approvedBy.get(tenderId) as { approvedBy: string | null } | undefined;
    return row?.approvedBy ?? null;
  }

  /**
   * Checks one transaction's offline redemptions against the caps. Returns the tender ids that
   * needed a manager (the caller records who approved); throws a refusal past a cap with no
   * manager signed in. Must run inside the recording transaction.
   */
  check(candidates: readonly OfflineStoredValueCandidate[], approver: { managerId: string } | undefined): Set<string> {
    const overridden = new Set<string>();
    const running = new Map<string, number>();
    for (const c of candidates) {
      const currency = c.amount.currency;
      const limit = offlineStoredValueLimit(this.config, currency);
      const before = running.get(currency) ?? this.outstanding(currency);
      const after = before + c.amount.amount;
      running.set(currency, after);
      const what = c.kind === "gift_card" ? "gift card" : "store credit";
      let problem: string | undefined;
      if (c.amount.amount > limit.perTender) {
        problem = `no region can check the balance right now, and the ${what} payment of ${formatMoney(c.amount)} is over the ${formatMoney({ amount: limit.perTender, currency })} offline limit`;
      } else if (after > limit.outstanding) {
        problem = `no region can check the balance right now, and this register already holds ${formatMoney({ amount: before, currency })} of offline gift card and store credit payments not yet sent to the cloud; ${formatMoney(c.amount)} more would pass the ${formatMoney({ amount: limit.outstanding, currency })} limit`;
      }
      if (problem === undefined) continue;
      if (approver === undefined) {
        throw new RegisterRefusal(
          422,
          "offline_stored_value_limit",
          `${problem}. Ask for another tender, a smaller amount on the ${what}, or a manager's approval: the manager signs in with their id and PIN.`,
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

  record(
    seq: number,
    candidates: readonly OfflineStoredValueCandidate[],
    recordedAt: number,
    approvals: ReadonlyMap<string, string> = new Map(),
  ): void {
    for (const c of candidates) {
      this.stmts.insert.run(
        c.tenderId,
        seq,
        c.kind,
        c.amount.currency,
        c.amount.amount,
        recordedAt,
        approvals.get(c.tenderId) ?? null,
      );
    }
  }
}
