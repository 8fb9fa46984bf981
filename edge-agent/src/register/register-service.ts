import {
  computeTotals,
  type ExchangeRecorded,
  type ExchangeRequest,
  exchangeCreditTender,
  type ManagerApproval,
  type Money,
  PAYLOAD_SCHEMAS,
  type RefundAllocationLine,
  type ReservationRequest,
  type ReturnOriginal,
  type ReturnRecorded,
  type ReturnRequest,
  receiptNumber,
  type SaleRequest,
  subtract,
  zero,
} from "@tenderline/shared";
import type { IdempotencyStore, StoredAnswer } from "../idempotency/idempotency-store.ts";
import { mintId } from "../ids/ids.ts";
import type { Ledger } from "../ledger/ledger.ts";
import type { Outbox } from "../outbox/outbox.ts";
import type { CloudReturns } from "../returns/cloud-returns.ts";
import type { UnverifiedReturnsLedger } from "../returns/unverified-returns.ts";
import type { OfflineCardRisk } from "../risk/offline-card-limits.ts";
import { RegisterRefusal } from "./refusal.ts";
import { allocate, originalRef, type PlannedReturn, planReturn, splitCloudOriginals } from "./return-plan.ts";
import { applyApproval, prepareTenders } from "./tenders.ts";

/** Ties a POST to its Idempotency-Key: the answer is saved in the same transaction as the event. */
export interface IdempotencyContext {
  key: string;
  hash: string;
}

export interface RecordOptions {
  idempotency?: IdempotencyContext;
  occurredAt?: string;
  /** The manager signed in at this register, who may let an offline card approval past the limits. */
  approver?: { managerId: string };
  /**
   * Runs the recording transaction (the HTTP path's group commit, GroupCommit.run); without it the
   * service runs it itself. Used by recordings that await the cloud before they record.
   */
  commit?: <T>(fn: () => T) => Promise<T>;
}

export interface Recorded<T> {
  status: 201 | 200;
  body: T;
  replayed: boolean;
}

/** A return's event id (reserved at the cloud under it, when the cloud was asked) and what the cloud said of its originals. */
interface CloudSource {
  eventId: string;
  /** Originals not on this register, by the ref the items named them with. */
  cloud?: ReadonlyMap<string, ReturnOriginal>;
  /** The cloud's view of this register's own originals, by transaction id. */
  cloudView?: ReadonlyMap<string, ReturnOriginal>;
}

/** What the register answers for a recorded exchange (ExchangeRecordedSchema). */
export type ExchangeAnswer = ExchangeRecorded;

/** What the register answers for a recorded return (ReturnRecordedSchema). */
export type ReturnAnswer = ReturnRecorded;

/** What returns of originals this register does not hold need: the cloud, the caps, a clock. */
export interface ReturnsContext {
  /** Absent: no region to ask; every such return is unverified. */
  cloud?: CloudReturns;
  unverified: UnverifiedReturnsLedger;
  clock: () => number;
}

/**
 * The register's use cases: each validates, checks limits and writes the event plus its ledger
 * rows in one SQLite transaction. Anything thrown before the commit leaves the database untouched.
 */
export class RegisterService {
  constructor(
    private readonly outbox: Outbox,
    private readonly ledger: Ledger,
    private readonly risk: OfflineCardRisk,
    private readonly idempotency: IdempotencyStore,
    private readonly returns: ReturnsContext,
  ) {}

  /** Runs `record` unless the key already answered; saves the first answer with the event. */
  private once<T>(options: RecordOptions, record: () => T): Recorded<T> {
    return this.outbox.transaction(() => {
      const replayed = this.replay<T>(options);
      if (replayed) return replayed;
      const ctx = options.idempotency;
      const body = record();
      if (ctx) this.idempotency.save(ctx.key, ctx.hash, { status: 201, body } satisfies StoredAnswer);
      return { status: 201 as const, body, replayed: false };
    });
  }

  recordSale(request: SaleRequest, options: RecordOptions = {}) {
    return this.once(options, () => {
      const occurredAt = options.occurredAt ?? new Date().toISOString();
      const totals = computeTotals(request.lines);
      const prepared = prepareTenders(totals.total, request.tenders);
      const overridden = this.risk.check(prepared.offlineCards, options.approver);
      const tenders = applyApproval(prepared.tenders, overridden, approvalOf(options, occurredAt));
      const transactionId = mintId();
      // The receipt number is made from the seq this sale's event gets, reserved here in the same transaction.
      const seq = this.outbox.nextSeq();
      const number = receiptNumber(this.outbox.storeId, this.outbox.registerId, seq);
      const payload = PAYLOAD_SCHEMAS["sale.completed"].parse({
        transactionId,
        cashierId: request.cashierId,
        lines: request.lines,
        tenders,
        totals,
        change: prepared.change,
        receiptNumber: number,
      });
      const recorded = this.outbox.append({ type: "sale.completed", occurredAt, payload });
      if (recorded.seq !== seq) throw new Error(`sale recorded at seq ${recorded.seq}, not the reserved ${seq}`);
      this.risk.record(recorded.seq, prepared.offlineCards, recorded.recordedAt);
      this.ledger.insert({
        transactionId,
        kind: "sale",
        seq: recorded.seq,
        recordedAt: recorded.recordedAt,
        total: totals.total,
        lines: payload.lines,
        tenders: payload.tenders,
        asInReceipt: true,
        receiptNumber: number,
      });
      return {
        transactionId,
        eventId: recorded.eventId,
        seq: recorded.seq,
        receiptNumber: number,
        totals,
        change: prepared.change,
        tenders: payload.tenders,
      };
    });
  }

  /**
   * Records a return. With a region configured, the cloud is asked first about every original
   * (the sync engine's region, a short timeout). An original it does not hold is planned against
   * the cloud's remaining units and tenders, and recorded verified by the cloud; one it holds is
   * planned against the larger of what its ledger and the cloud say is gone (another register
   * may have returned units of it). Whatever the cloud knows is reserved there under the
   * return's event id (minted first, the outbox records it) before anything is recorded; a
   * refused reservation refuses the return, a failed recording releases it. No answer (offline,
   * timeout, no region, or the cloud knows none of them): this register's originals by its ledger
   * alone, the others to store credit, unverified, within the caps or with a manager's approval.
   */
  async recordReturn(request: ReturnRequest, options: RecordOptions = {}): Promise<Recorded<ReturnAnswer>> {
    const replay = this.replay<ReturnAnswer>(options);
    if (replay) return replay;
    const refs = [...new Set(request.items.map((i) => i.transactionId))];
    if (!this.returns.cloud) return this.recordReturnNow(request, options, { eventId: mintId() });
    // Every original is looked up, this register's own too: a unit of its own sale may have been
    // returned at another register, which only the cloud knows.
    const lookup = await this.returns.cloud.findOriginals(refs);
    const eventId = mintId();
    // Offline, or the cloud knows none of them (a 404: sales still offline at their registers):
    // this register's originals by its ledger alone, the others to store credit, unverified and capped.
    if (lookup.kind === "offline" || lookup.originals.size === 0) return this.recordReturnNow(request, options, { eventId });
    const { cloud, cloudView } = splitCloudOriginals(this.ledger, lookup.originals);
    const region = lookup.region;
    const planned = planReturn(this.ledger, request.items, { allowUnverified: true, cloud, cloudView });
    const allocation = allocate(planned, planned.perOriginal);
    const outcome = await this.returns.cloud.reserve(region, this.reservation(eventId, planned, allocation));
    if (outcome.kind === "already_returned") throw alreadyReturned(outcome.message);
    // Found but no reservation answered: nothing is held, so the return cannot be verified; offline.
    if (outcome.kind === "offline") return this.recordReturnNow(request, options, { eventId });
    let recorded: Recorded<ReturnAnswer>;
    try {
      recorded = await this.recordReturnNow(request, options, { eventId, cloud, cloudView });
    } catch (error) {
      await this.returns.cloud.release(region, eventId);
      throw error;
    }
    // Another request with the same Idempotency-Key was recorded first: this one's hold is not used.
    if (recorded.replayed) await this.returns.cloud.release(region, eventId);
    return recorded;
  }

  /** The replayed answer of an Idempotency-Key already used, before anything is asked of the cloud. */
  private replay<T>(options: RecordOptions): Recorded<T> | undefined {
    const ctx = options.idempotency;
    if (!ctx) return undefined;
    const found = this.idempotency.lookup(ctx.key, ctx.hash);
    if (found.kind === "conflict") {
      throw new RegisterRefusal(
        409,
        "idempotency_conflict",
        "this Idempotency-Key was already used for a different request; use a new key for a new transaction",
      );
    }
    if (found.kind === "replay") return { status: found.answer.status as 201, body: found.answer.body as T, replayed: true };
    return undefined;
  }

  private recordReturnNow(request: ReturnRequest, options: RecordOptions, source: CloudSource): Promise<Recorded<ReturnAnswer>> {
    const record = () => this.recordReturnInTransaction(request, options, source);
    return options.commit ? options.commit(record) : Promise.resolve().then(record);
  }

  private recordReturnInTransaction(request: ReturnRequest, options: RecordOptions, source: CloudSource): Recorded<ReturnAnswer> {
    return this.once(options, () => {
      const occurredAt = options.occurredAt ?? new Date(this.returns.clock()).toISOString();
      const plan = planReturn(this.ledger, request.items, {
        allowUnverified: true,
        ...(source.cloud ? { cloud: source.cloud } : {}),
        ...(source.cloudView ? { cloudView: source.cloudView } : {}),
      });
      const allocation = allocate(plan, plan.perOriginal);
      const transactionId = mintId();
      const refund = plan.items.reduce(
        (s, i) => ({ amount: s.amount + i.refund.amount, currency: s.currency }),
        zero(plan.currency),
      );
      const storeCredit = plan.verified ? undefined : { creditId: mintId(), amount: plan.unverified };
      const approved = storeCredit
        ? this.returns.unverified.check(storeCredit.amount, this.returns.clock(), options.approver)
        : false;
      const approvedBy = approved ? approvalOf(options, occurredAt) : undefined;
      const byCloud = plan.cloudOriginals.length > 0;
      const payload = PAYLOAD_SCHEMAS["return.completed"].parse({
        transactionId,
        cashierId: request.cashierId,
        reason: request.reason,
        items: plan.items,
        refund,
        allocation,
        verified: plan.verified,
        // Who verified the verified part: the cloud when it found any original, naming where each was sold.
        ...(byCloud ? { verifiedBy: "cloud", originals: plan.cloudOriginals.map(originalRef) } : {}),
        ...(storeCredit ? { storeCredit } : {}),
        ...(approvedBy ? { approvedBy } : {}),
      });
      const recorded = this.outbox.append({ type: "return.completed", occurredAt, payload, eventId: source.eventId });
      this.ledger.insert({
        transactionId,
        kind: "return",
        seq: recorded.seq,
        recordedAt: recorded.recordedAt,
        total: refund,
        lines: [],
        tenders: [],
        // A return's payload has items, not lines, and allocation, not tenders: nothing to return or refund later.
        asInReceipt: true,
      });
      // The cloud's originals are not in this ledger: the cloud applies their part when the event reaches it.
      const local = new Set(plan.originals.map((o) => o.transactionId));
      this.applyReturnedLines(
        transactionId,
        plan.returnedLines,
        allocation.filter((a) => local.has(a.originalTransactionId)),
      );
      return {
        transactionId,
        eventId: recorded.eventId,
        seq: recorded.seq,
        refund,
        allocation,
        verified: plan.verified,
        ...(byCloud ? { verifiedBy: "cloud" as const, originals: plan.cloudOriginals.map(originalRef) } : {}),
        ...(storeCredit ? { storeCredit } : {}),
        items: plan.items,
      };
    });
  }

  /**
   * Records an exchange: the returned items must be this register's own (another register's sale
   * is returned, then sold again). With a region answering, what the cloud knows of those
   * originals counts (units or refunds another register took) and what the exchange takes is
   * reserved there first, as for a return.
   */
  async recordExchange(request: ExchangeRequest, options: RecordOptions = {}): Promise<Recorded<ExchangeAnswer>> {
    const replay = this.replay<ExchangeAnswer>(options);
    if (replay) return replay;
    const now = (source: CloudSource) => {
      const record = () => this.recordExchangeInTransaction(request, options, source);
      return options.commit ? options.commit(record) : Promise.resolve().then(record);
    };
    const refs = [...new Set(request.returnItems.map((i) => i.transactionId))].filter((ref) => this.ledger.get(ref));
    if (!this.returns.cloud || refs.length === 0) return now({ eventId: mintId() });
    const lookup = await this.returns.cloud.findOriginals(refs);
    const eventId = mintId();
    if (lookup.kind === "offline" || lookup.originals.size === 0) return now({ eventId });
    const cloudView = new Map<string, ReturnOriginal>();
    for (const [ref, original] of lookup.originals) {
      const local = this.ledger.get(ref);
      if (local) cloudView.set(local.transactionId, original);
    }
    const planned = planReturn(this.ledger, request.returnItems, { allowUnverified: false, cloudView });
    const allocation = exchangeRefunds(planned, request);
    const outcome = await this.returns.cloud.reserve(lookup.region, this.reservation(eventId, planned, allocation));
    if (outcome.kind === "already_returned") throw alreadyReturned(outcome.message);
    if (outcome.kind === "offline") return now({ eventId });
    let recorded: Recorded<ExchangeAnswer>;
    try {
      recorded = await now({ eventId, cloudView });
    } catch (error) {
      await this.returns.cloud.release(lookup.region, eventId);
      throw error;
    }
    if (recorded.replayed) await this.returns.cloud.release(lookup.region, eventId);
    return recorded;
  }

  /** What a return or exchange holds at the cloud: units and refunds of every original the cloud knows. */
  private reservation(eventId: string, planned: PlannedReturn, allocation: readonly RefundAllocationLine[]): ReservationRequest {
    return {
      returnEventId: eventId,
      storeId: this.outbox.storeId,
      registerId: this.outbox.registerId,
      originals: [...planned.cloudOriginals, ...planned.viewedOriginals].map((o) => ({
        transactionId: o.transactionId,
        items: planned.cloudItems
          .filter((i) => i.transactionId === o.transactionId)
          .map(({ sku, quantity }) => ({ sku, quantity })),
        refunds: allocation
          .filter((a) => a.originalTransactionId === o.transactionId)
          .map((a) => ({ tenderId: a.tenderId, amount: a.amount })),
      })),
    };
  }

  private recordExchangeInTransaction(request: ExchangeRequest, options: RecordOptions, source: CloudSource) {
    return this.once(options, () => {
      const occurredAt = options.occurredAt ?? new Date().toISOString();
      const plan = planReturn(this.ledger, request.returnItems, {
        allowUnverified: false,
        ...(source.cloudView ? { cloudView: source.cloudView } : {}),
      });
      const totals = computeTotals(request.lines);
      if (totals.total.currency !== plan.currency) {
        throw new RegisterRefusal(
          422,
          "currency_mismatch",
          `the new items are in ${totals.total.currency} but the returned items in ${plan.currency}`,
        );
      }
      const returnedValue = plan.perOriginal.reduce(
        (s, p) => ({ amount: s.amount + p.amount.amount, currency: s.currency }),
        zero(plan.currency),
      );
      const net = subtract(totals.total, returnedValue);
      let tenders: ReturnType<typeof prepareTenders>["tenders"] = [];
      let change: Money | undefined;
      let allocation: RefundAllocationLine[] = [];
      let offlineCards: ReturnType<typeof prepareTenders>["offlineCards"] = [];
      if (net.amount > 0) {
        const prepared = prepareTenders(net, request.tenders);
        const overridden = this.risk.check(prepared.offlineCards, options.approver);
        tenders = applyApproval(prepared.tenders, overridden, approvalOf(options, occurredAt));
        change = prepared.change;
        offlineCards = prepared.offlineCards;
      } else {
        if (request.tenders.length > 0) {
          throw new RegisterRefusal(
            422,
            "tenders_not_needed",
            "the returned items cover the new ones; remove the tenders (the difference is refunded)",
          );
        }
        allocation = allocate(plan, refundsAfterNewSale(plan.perOriginal, totals.total));
      }
      const transactionId = mintId();
      const payload = PAYLOAD_SCHEMAS["exchange.completed"].parse({
        transactionId,
        cashierId: request.cashierId,
        reason: request.reason,
        returned: { items: plan.items, value: returnedValue },
        lines: request.lines,
        totals,
        net,
        tenders,
        allocation,
        ...(change ? { change } : {}),
        verified: true,
      });
      const recorded = this.outbox.append({ type: "exchange.completed", occurredAt, payload, eventId: source.eventId });
      this.risk.record(recorded.seq, offlineCards, recorded.recordedAt);
      // The returned value that paid for the new items is refundable later as store credit.
      const credit = exchangeCreditTender(payload);
      const ledgerTenders = [...(credit ? [credit] : []), ...tenders];
      this.ledger.insert({
        transactionId,
        kind: "exchange",
        seq: recorded.seq,
        recordedAt: recorded.recordedAt,
        total: totals.total,
        lines: payload.lines,
        tenders: ledgerTenders,
        asInReceipt: false,
      });
      this.applyReturnedLines(transactionId, plan.returnedLines, allocation);
      return {
        transactionId,
        eventId: recorded.eventId,
        seq: recorded.seq,
        returnedValue,
        totals,
        net,
        tenders,
        allocation,
        ...(change ? { change } : {}),
      };
    });
  }

  private applyReturnedLines(
    transactionId: string,
    lines: ReadonlyArray<{ transactionId: string; lineNo: number; quantity: number }>,
    allocation: readonly RefundAllocationLine[],
  ): void {
    this.ledger.applyReturn(transactionId, lines, allocation);
  }
}

/** A refused reservation: another register returned (or is returning) these units. */
function alreadyReturned(detail: string): RegisterRefusal {
  return new RegisterRefusal(
    409,
    "already_returned",
    `these units were already returned (or are being returned right now at another register): ${detail}. Nothing was recorded; look the receipt up again to see what is still returnable.`,
  );
}

/** What an exchange refunds to the originals' tenders: the returned value beyond the new items' total. */
function exchangeRefunds(plan: PlannedReturn, request: ExchangeRequest): RefundAllocationLine[] {
  const totals = computeTotals(request.lines);
  const returnedValue = plan.perOriginal.reduce((s, p) => s + p.amount.amount, 0);
  if (totals.total.amount - returnedValue > 0) return [];
  return allocate(plan, refundsAfterNewSale(plan.perOriginal, totals.total));
}

/** Who approved, for the event: the manager's id and when, never their PIN. */
function approvalOf(options: RecordOptions, at: string): ManagerApproval | undefined {
  return options.approver ? { managerId: options.approver.managerId, at } : undefined;
}

/** The new items are paid from the returned value in the order the originals were named; the rest is refunded. */
export function refundsAfterNewSale(perOriginal: ReadonlyArray<{ transactionId: string; amount: Money }>, newTotal: Money) {
  let toPay = newTotal.amount;
  return perOriginal.map((p) => {
    const used = Math.min(toPay, p.amount.amount);
    toPay -= used;
    return { transactionId: p.transactionId, amount: { amount: p.amount.amount - used, currency: p.amount.currency } };
  });
}
