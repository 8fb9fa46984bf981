import { formatMoney, type Money } from "@tenderline/shared";
import { z } from "zod";
import type { UnverifiedReturnLimit } from "../config/config.ts";
import { RegisterRefusal } from "../register/refusal.ts";
import type { Db } from "../storage/database.ts";

/** One unverified return this register recorded (store credit without the original), as its event says. */
export interface LocalUnverifiedReturn {
  transactionId: string;
  eventId: string;
  seq: number;
  occurredAt: string;
  recordedAt: number;
  refund: Money;
  storeCredit: Money;
  /** The part refunded without verification (what the caps count): the refund less what was allocated to verified tenders. */
  unverified: Money;
  approvedBy: string | null;
  /** The outbox row's state: pending (not yet with the cloud), acked, dead; null once retention pruned it. */
  syncState: string | null;
}

// The parts of a return's recorded event this reads; written by RegisterService, so a misfit is a bug.
const ReturnEventSchema = z.looseObject({
  eventId: z.string(),
  occurredAt: z.string(),
  payload: z.looseObject({
    refund: z.object({ amount: z.number(), currency: z.string() }),
    storeCredit: z.object({ amount: z.object({ amount: z.number(), currency: z.string() }) }).optional(),
    allocation: z.array(z.looseObject({ amount: z.object({ amount: z.number() }) })).default([]),
    approvedBy: z.object({ managerId: z.string() }).optional(),
  }),
});

interface Row {
  transactionId: string;
  seq: number;
  recordedAt: number;
  body: string | null;
  state: string | null;
}

/** Midnight of the register's local calendar day that holds `now`. */
export function startOfLocalDay(now: number): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/**
 * The register's unverified returns, read from the ledger (a return row's receipt is its event:
 * in the outbox, or copied into the ledger before retention prunes the outbox row): the day's
 * total for the caps and the list the manager screen shows.
 */
export class UnverifiedReturnsLedger {
  private readonly stmts;

  constructor(
    db: Db,
    private readonly limit: UnverifiedReturnLimit,
  ) {
    const select = `SELECT t.transaction_id AS transactionId, t.seq, t.recorded_at AS recordedAt,
        COALESCE(t.receipt, o.body) AS body, o.state AS state
      FROM transactions t LEFT JOIN outbox o ON o.seq = t.seq
      WHERE t.kind = 'return' AND t.recorded_at >= ?
        AND json_extract(COALESCE(t.receipt, o.body), '$.payload.verified') = 0`;
    this.stmts = {
      since: db.prepare(`${select} ORDER BY t.seq`),
      newest: db.prepare(`${select} ORDER BY t.seq DESC LIMIT ?`),
    };
  }

  private static read(row: Row): LocalUnverifiedReturn {
    if (row.body === null) throw new Error(`ledger return ${row.transactionId} has lost its receipt`);
    const event = ReturnEventSchema.parse(JSON.parse(row.body));
    const refund = event.payload.refund;
    return {
      transactionId: row.transactionId,
      eventId: event.eventId,
      seq: row.seq,
      occurredAt: event.occurredAt,
      recordedAt: row.recordedAt,
      refund,
      storeCredit: event.payload.storeCredit?.amount ?? { amount: 0, currency: refund.currency },
      // Store credit may also hold verified slices the customer chose to take as credit (paidAs).
      unverified: {
        amount: refund.amount - event.payload.allocation.reduce((s, a) => s + a.amount.amount, 0),
        currency: refund.currency,
      },
      approvedBy: event.payload.approvedBy?.managerId ?? null,
      syncState: row.state,
    };
  }

  /** Store credit this register refunded without verification since `since` (ms), in one currency. */
  refundedSince(currency: string, since: number): number {
    return (this.stmts.since.all(since) as Row[])
      .map(UnverifiedReturnsLedger.read)
      .filter((r) => r.unverified.currency === currency)
      .reduce((s, r) => s + r.unverified.amount, 0);
  }

  /** The newest unverified returns this register recorded (within the ledger's returns window). */
  list(limit = 50): LocalUnverifiedReturn[] {
    return (this.stmts.newest.all(0, limit) as Row[]).map(UnverifiedReturnsLedger.read);
  }

  /**
   * Checks an unverified refund against the caps (per return, and per register per local day
   * including this one). Returns true when it needed the manager's approval; throws a refusal when
   * it is over a cap and no manager is signed in. Runs inside the recording transaction, so the
   * day's total cannot move under it.
   */
  check(amount: Money, now: number, approver: { managerId: string } | undefined): boolean {
    if (amount.amount === 0) return false;
    const today = this.refundedSince(amount.currency, startOfLocalDay(now));
    const cap = (n: number) => formatMoney({ amount: n, currency: amount.currency });
    let problem: string | undefined;
    if (amount.amount > this.limit.perReturn) {
      problem = `the unverified refund of ${formatMoney(amount)} is over the ${cap(this.limit.perReturn)} limit for one return whose original cannot be verified`;
    } else if (today + amount.amount > this.limit.perDay) {
      problem = `this register already refunded ${cap(today)} today without verifying the original; ${formatMoney(amount)} more would pass the ${cap(this.limit.perDay)} daily limit`;
    }
    if (problem === undefined) return false;
    if (approver === undefined) {
      throw new RegisterRefusal(
        422,
        "unverified_return_limit",
        `${problem}. A manager must approve this return: the manager signs in with their id and PIN, then record it again (nothing was recorded).`,
        {
          perReturnLimit: this.limit.perReturn,
          perDayLimit: this.limit.perDay,
          refundedToday: today,
          currency: amount.currency,
        },
      );
    }
    return true;
  }
}
