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
  type SaleRecorded,
  type SaleRequest,
  ServiceError,
  sealNumber,
  subtract,
  type Voided,
  type VoidRequest,
  zero,
} from "@tenderline/shared";
import type { IdempotencyStore, StoredAnswer } from "../idempotency/idempotency-store.ts";
import { mintId } from "../ids/ids.ts";
import { type Ledger, parseReceiptRef } from "../ledger/ledger.ts";
import type { Outbox } from "../outbox/outbox.ts";
import type { CloudReturns } from "../returns/cloud-returns.ts";
import type { UnverifiedReturnsLedger } from "../returns/unverified-returns.ts";
import type { OfflineCardRisk } from "../risk/offline-card-limits.ts";
import { mintStoreCreditNumber, requireSealKey } from "../stored-value/seal.ts";
import { RegisterRefusal } from "./refusal.ts";
import { allocate, originalRef, type PlannedReturn, planReturn, splitCloudOriginals } from "./return-plan.ts";
import {
  applyRedemption,
  applyStoredValueApproval,
  authorize,
  checkStoredValueLines,
  checkStoredValueTenders,
  hasStoredValue,
  type Redemption,
  release,
  type StoredValueContext,
} from "./stored-value-tenders.ts";
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
  /** The exchange's stored-value tenders as the region held them (or not: offline). */
  redemption?: Redemption;
}

/** What the register answers for a recorded exchange (ExchangeRecordedSchema). */
export type ExchangeAnswer = ExchangeRecorded;

/**
 * What the register answers for a recorded return (ReturnRecordedSchema). Store credit issued with
 * a number carries its last four and, in the first answer only (for the receipt), the number: it
 * is not in the event, the ledger or the saved answer an Idempotency-Key replays.
 */
export type ReturnAnswer = Omit<ReturnRecorded, "storeCredit"> & {
  storeCredit?: NonNullable<ReturnRecorded["storeCredit"]> & { last4?: string; number?: string };
};

/** What the register answers for a recorded sale (SaleRecordedSchema). */
export type SaleAnswer = SaleRecorded;

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
  /** The latest request still running of each turn key (inTurn). */
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(
    private readonly outbox: Outbox,
    private readonly ledger: Ledger,
    private readonly risk: OfflineCardRisk,
    private readonly idempotency: IdempotencyStore,
    private readonly returns: ReturnsContext,
    private readonly storedValue?: StoredValueContext,
  ) {}

  /**
   * Runs `record` unless the key already answered; saves the first answer with the event
   * (`saved` drops what may be answered once but never kept, a store credit number).
   */
  private once<T>(options: RecordOptions, record: () => T, saved: (body: T) => T = (b) => b): Recorded<T> {
    return this.outbox.transaction(() => {
      const replayed = this.replay<T>(options);
      if (replayed) return replayed;
      const ctx = options.idempotency;
      const body = record();
      if (ctx) this.idempotency.save(ctx.key, ctx.hash, { status: 201, body: saved(body) } satisfies StoredAnswer);
      return { status: 201 as const, body, replayed: false };
    });
  }

  /**
   * Runs a request after every earlier one that shares a turn key with it has finished (its
   * Idempotency-Key; for a return or exchange, each original it takes from). A retry sent while
   * the first is still waiting on the region (its client timed out) then replays the first's
   * answer instead of racing it: racing, it saw the first's own holds as another return's (refused
   * as already returned, or allocated to a later tender) and held a gift card's balance twice. Two
   * returns of one sale are planned and recorded in one order, so each is allocated after the one
   * recorded before it, as the ledger reads them back. An earlier request's outcome is its own
   * caller's; this one only waits for it.
   */
  private async inTurn<T>(keys: readonly string[], run: () => Promise<T>): Promise<T> {
    if (keys.length === 0) return run();
    const ahead = keys.flatMap((k) => this.running.get(k) ?? []);
    const turn = ahead.length > 0 ? Promise.allSettled(ahead).then(run) : run();
    for (const k of keys) this.running.set(k, turn);
    try {
      return await turn;
    } finally {
      for (const k of keys) if (this.running.get(k) === turn) this.running.delete(k);
    }
  }

  /**
   * What a request waits its turn on: its Idempotency-Key, and each original it returns from, by
   * transaction id when this register holds it (a receipt number and the id are one sale).
   */
  private turnKeys(options: RecordOptions, returned: ReadonlyArray<{ transactionId: string }> = []): string[] {
    const key = options.idempotency?.key;
    const originals = new Set(returned.map((i) => this.originalId(i.transactionId)));
    return [...(key === undefined ? [] : [`key ${key}`]), ...[...originals].map((id) => `original ${id}`)];
  }

  /**
   * The sale a returned item names, as one turn key: a receipt number this register holds becomes
   * its transaction id (an index read, not the receipt: this runs on every return). A wrong check
   * character throws 422 `invalid_receipt_number`, as planning the return would.
   */
  private originalId(ref: string): string {
    const parsed = parseReceiptRef(ref);
    if (parsed.kind === "transactionId") return parsed.transactionId;
    return this.ledger.transactionIdByReceiptNumber(parsed.receiptNumber) ?? parsed.receiptNumber;
  }

  private get sv(): StoredValueContext | undefined {
    return this.storedValue;
  }

  /**
   * Records a checkout (POST /api/v1/sales). A gift card or store credit tender is held at the
   * region first, under the tender's id (minted here), so the balance cannot be spent twice; the
   * sale is then recorded with the hold's token, last4 and id. A refused hold refuses the sale and
   * nothing is recorded; a recording that fails after holding releases the holds. No region
   * answering: the tender is recorded sealed, within the offline caps. An Idempotency-Key already
   * answered replays before anything is held, so a retry after a lost answer charges once.
   */
  checkout(request: SaleRequest, options: RecordOptions = {}): Promise<Recorded<SaleAnswer>> {
    return this.inTurn(this.turnKeys(options), () => this.runCheckout(request, options));
  }

  private async runCheckout(request: SaleRequest, options: RecordOptions): Promise<Recorded<SaleAnswer>> {
    const commit = <T>(fn: () => T): Promise<T> => (options.commit ? options.commit(fn) : Promise.resolve().then(fn));
    if (!hasStoredValue(request.tenders)) return commit(() => this.recordSale(request, options));
    const replay = this.replay<SaleAnswer>(options);
    if (replay) return replay;
    const ctx = this.storedValueContext();
    checkStoredValueTenders(request.tenders, ctx.sealKey);
    checkStoredValueLines(request.lines, ctx.sealKey);
    // Everything that can be refused without the region is refused before anything is held.
    const ids = request.tenders.map(() => mintId());
    prepareTenders(computeTotals(request.lines).total, request.tenders, ids);
    const redemption = await authorize(ctx, this.where(), request.tenders, ids);
    return this.afterHolds(redemption, () => commit(() => this.recordSale(request, options, redemption)));
  }

  /** Runs the recording; releases the holds when it fails or another request with the same key was recorded first. */
  private async afterHolds<T>(redemption: Redemption | undefined, run: () => Promise<Recorded<T>>): Promise<Recorded<T>> {
    let recorded: Recorded<T>;
    try {
      recorded = await run();
    } catch (error) {
      if (this.sv) await release(this.sv, redemption);
      throw error;
    }
    if (recorded.replayed && this.sv) await release(this.sv, redemption);
    return recorded;
  }

  private storedValueContext(): StoredValueContext {
    if (this.sv) return this.sv;
    throw new RegisterRefusal(
      409,
      "stored_value_not_configured",
      "this register takes no gift cards or store credit (no stored-value settings: storedValueSealKey)",
    );
  }

  private where() {
    return { storeId: this.outbox.storeId, registerId: this.outbox.registerId };
  }

  /**
   * Checks the offline stored-value tenders against the caps; returns the tenders with who
   * approved on those past them, and what to record in the risk table after the event.
   */
  private storedValueTenders(
    tenders: ReturnType<typeof prepareTenders>["tenders"],
    redemption: Redemption | undefined,
    options: RecordOptions,
    occurredAt: string,
  ) {
    if (!tenders.some((t) => t.type === "gift_card" || t.type === "store_credit") || !this.sv) {
      return { tenders, offline: [], approvals: new Map<string, string>() };
    }
    const applied = applyRedemption(tenders, redemption);
    const overridden = this.sv.risk.check(applied.offline, options.approver);
    const approval = approvalOf(options, occurredAt);
    const approvals = new Map([...overridden].map((id) => [id, approval?.managerId ?? ""]));
    return { tenders: applyStoredValueApproval(applied.tenders, overridden, approval), offline: applied.offline, approvals };
  }

  recordSale(request: SaleRequest, options: RecordOptions = {}, redemption?: Redemption): Recorded<SaleAnswer> {
    return this.once(options, () => {
      const occurredAt = options.occurredAt ?? new Date().toISOString();
      checkStoredValueLines(request.lines, this.sv?.sealKey);
      if (hasStoredValue(request.tenders)) checkStoredValueTenders(request.tenders, this.sv?.sealKey);
      const totals = computeTotals(request.lines);
      const prepared = prepareTenders(totals.total, request.tenders, redemption?.ids);
      const overridden = this.risk.check(prepared.offlineCards, options.approver);
      const sv = this.storedValueTenders(prepared.tenders, redemption, options, occurredAt);
      const tenders = applyApproval(sv.tenders, overridden, approvalOf(options, occurredAt));
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
      this.sv?.risk.record(recorded.seq, sv.offline, recorded.recordedAt, sv.approvals);
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
   * Voids a gift card or store credit (POST /api/v1/stored-value/void): a manager must be signed
   * in, and a region must answer. Its whole available balance is held under the void's id, then
   * `stored_value.voided` is recorded with the manager's id; the region captures the hold with a
   * void entry and refuses the account from then on. A refused hold refuses the void; a recording
   * that fails releases it. An Idempotency-Key already answered replays before anything is asked.
   */
  voidStoredValue(request: VoidRequest, options: RecordOptions = {}): Promise<Recorded<Voided>> {
    return this.inTurn(this.turnKeys(options), () => this.runVoid(request, options));
  }

  private async runVoid(request: VoidRequest, options: RecordOptions): Promise<Recorded<Voided>> {
    const replay = this.replay<Voided>(options);
    if (replay) return replay;
    const ctx = this.storedValueContext();
    const approval = approvalOf(options, options.occurredAt ?? new Date().toISOString());
    if (!approval) {
      throw new RegisterRefusal(
        403,
        "manager_required",
        "voiding a gift card or store credit needs a manager: sign in with the manager PIN, then void again. Nothing was voided",
      );
    }
    if (!ctx.cloud) throw noRegionToVoid("no region is configured");
    const balance = await ctx.cloud.inquire({ kind: request.kind, sealed: request.sealed });
    const voidId = mintId();
    const outcome = await ctx.cloud.hold({
      holdId: voidId,
      ...this.where(),
      kind: request.kind,
      token: balance.token,
      amount: { amount: Math.max(0, balance.available.amount), currency: balance.currency },
    });
    if (outcome.kind === "offline") {
      for (const region of outcome.uncertain) void ctx.cloud.release(region, voidId);
      throw noRegionToVoid(outcome.reason);
    }
    if (outcome.kind === "refused") {
      throw new RegisterRefusal(
        outcome.status,
        outcome.code,
        `the void was refused: ${outcome.message}. Nothing was voided; try again`,
      );
    }
    const hold = outcome.hold;
    const redemption: Redemption = {
      ids: [voidId],
      authorizations: new Map([
        [0, { kind: "held", region: outcome.region, token: hold.token, last4: hold.last4, holdId: voidId }],
      ]),
    };
    return this.afterHolds(redemption, () => {
      const record = () =>
        this.once<Voided>(options, () => {
          const occurredAt = options.occurredAt ?? new Date().toISOString();
          const payload = PAYLOAD_SCHEMAS["stored_value.voided"].parse({
            voidId,
            cashierId: request.cashierId,
            kind: request.kind,
            token: hold.token,
            last4: hold.last4,
            amount: hold.amount,
            holdId: voidId,
            reason: request.reason,
            approvedBy: approval,
          });
          const recorded = this.outbox.append({ type: "stored_value.voided", occurredAt, payload });
          return {
            voidId,
            eventId: recorded.eventId,
            seq: recorded.seq,
            kind: request.kind,
            last4: hold.last4,
            amount: hold.amount,
          };
        });
      return options.commit ? options.commit(record) : Promise.resolve().then(record);
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
  recordReturn(request: ReturnRequest, options: RecordOptions = {}): Promise<Recorded<ReturnAnswer>> {
    return this.inTurn(this.turnKeys(options, request.items), () => this.runReturn(request, options));
  }

  private async runReturn(request: ReturnRequest, options: RecordOptions): Promise<Recorded<ReturnAnswer>> {
    const replay = this.replay<ReturnAnswer>(options);
    if (replay) return replay;
    if (request.refundTo === "store_credit") this.requireCreditNumbers();
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
    return this.once(
      options,
      () => {
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
        // The customer may take the whole refund as store credit; an unverified part is store credit anyway.
        const toCredit = request.refundTo === "store_credit";
        const paid = toCredit ? allocation.map(asStoreCredit) : allocation;
        const creditAmount = toCredit ? refund : plan.unverified;
        const issuesCredit = !plan.verified || (toCredit && refund.amount > 0);
        const issued = issuesCredit ? this.issueStoreCredit(occurredAt) : undefined;
        // With the seal key the credit gets a number (printed once, recorded sealed); without it, the register's id only.
        const storeCredit = issuesCredit ? { creditId: mintId(), amount: creditAmount, ...issued?.recorded } : undefined;
        const approved = plan.verified
          ? false
          : this.returns.unverified.check(plan.unverified, this.returns.clock(), options.approver);
        const approvedBy = approved ? approvalOf(options, occurredAt) : undefined;
        const byCloud = plan.cloudOriginals.length > 0;
        const payload = PAYLOAD_SCHEMAS["return.completed"].parse({
          transactionId,
          cashierId: request.cashierId,
          reason: request.reason,
          items: plan.items,
          refund,
          allocation: paid,
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
          allocation: paid,
          verified: plan.verified,
          ...(byCloud ? { verifiedBy: "cloud" as const, originals: plan.cloudOriginals.map(originalRef) } : {}),
          // The number goes to the receipt in this answer only; the event has it sealed.
          ...(storeCredit
            ? { storeCredit: { creditId: storeCredit.creditId, amount: storeCredit.amount, ...issued?.answered } }
            : {}),
          items: plan.items,
        };
      },
      withoutCreditNumber,
    );
  }

  /** Store credit the customer chooses must be spendable: it needs a number, so the seal key. */
  private requireCreditNumbers(): void {
    requireSealKey(this.storedValueContext().sealKey, "refunding to store credit");
  }

  /**
   * A new store credit number, sealed for the regions (they open the account when the event
   * arrives); without the seal key, the credit has the register's id only, as before.
   */
  private issueStoreCredit(occurredAt: string):
    | {
        recorded: { last4: string; sealed: string; expiresAt?: string };
        answered: { last4: string; number: string; expiresAt?: string };
      }
    | undefined {
    const key = this.sv?.sealKey;
    if (!key || !this.sv) return undefined;
    const number = mintStoreCreditNumber(this.sv.storeCreditPrefix);
    const last4 = number.slice(-4);
    // The retailer's expiry rule travels in the event, so every region expires it at the same moment.
    const days = this.sv.storeCreditExpiryDays;
    const expiry = days ? { expiresAt: new Date(Date.parse(occurredAt) + days * 86_400_000).toISOString() } : {};
    return { recorded: { last4, sealed: sealNumber(key, number), ...expiry }, answered: { last4, number, ...expiry } };
  }

  /**
   * Records an exchange: the returned items must be this register's own (another register's sale
   * is returned, then sold again). With a region answering, what the cloud knows of those
   * originals counts (units or refunds another register took) and what the exchange takes is
   * reserved there first, as for a return.
   */
  recordExchange(request: ExchangeRequest, options: RecordOptions = {}): Promise<Recorded<ExchangeAnswer>> {
    return this.inTurn(this.turnKeys(options, request.returnItems), () => this.runExchange(request, options));
  }

  private async runExchange(request: ExchangeRequest, options: RecordOptions): Promise<Recorded<ExchangeAnswer>> {
    const replay = this.replay<ExchangeAnswer>(options);
    if (replay) return replay;
    if (request.refundTo === "store_credit") this.requireCreditNumbers();
    if (!hasStoredValue(request.tenders)) return this.recordExchangeHeld(request, options, undefined);
    // Gift card and store credit tenders are held first, as for a sale; a failure after releases them.
    const ctx = this.storedValueContext();
    checkStoredValueTenders(request.tenders, ctx.sealKey);
    checkStoredValueLines(request.lines, ctx.sealKey);
    const ids = request.tenders.map(() => mintId());
    const redemption = await authorize(ctx, this.where(), request.tenders, ids);
    return this.afterHolds(redemption, () => this.recordExchangeHeld(request, options, redemption));
  }

  private async recordExchangeHeld(
    request: ExchangeRequest,
    options: RecordOptions,
    redemption: Redemption | undefined,
  ): Promise<Recorded<ExchangeAnswer>> {
    const now = (source: CloudSource) => {
      const record = () =>
        this.recordExchangeInTransaction(request, options, { ...source, ...(redemption ? { redemption } : {}) });
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
    return this.once<ExchangeAnswer>(
      options,
      () => {
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
        let sv: ReturnType<RegisterService["storedValueTenders"]> | undefined;
        checkStoredValueLines(request.lines, this.sv?.sealKey);
        if (net.amount > 0) {
          const prepared = prepareTenders(net, request.tenders, source.redemption?.ids);
          const overridden = this.risk.check(prepared.offlineCards, options.approver);
          sv = this.storedValueTenders(prepared.tenders, source.redemption, options, occurredAt);
          tenders = applyApproval(sv.tenders, overridden, approvalOf(options, occurredAt));
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
          if (request.refundTo === "store_credit") allocation = allocation.map(asStoreCredit);
        }
        // The refunded difference as store credit, when the customer chose it and there is one.
        const issued = request.refundTo === "store_credit" && net.amount < 0 ? this.issueStoreCredit(occurredAt) : undefined;
        const storeCredit = issued
          ? { creditId: mintId(), amount: { amount: -net.amount, currency: net.currency }, ...issued.recorded }
          : undefined;
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
          ...(storeCredit ? { storeCredit } : {}),
        });
        const recorded = this.outbox.append({ type: "exchange.completed", occurredAt, payload, eventId: source.eventId });
        this.risk.record(recorded.seq, offlineCards, recorded.recordedAt);
        if (sv) this.sv?.risk.record(recorded.seq, sv.offline, recorded.recordedAt, sv.approvals);
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
          ...(storeCredit && issued
            ? { storeCredit: { creditId: storeCredit.creditId, amount: storeCredit.amount, ...issued.answered } }
            : {}),
        };
      },
      withoutCreditNumber,
    );
  }

  private applyReturnedLines(
    transactionId: string,
    lines: ReadonlyArray<{ transactionId: string; lineNo: number; quantity: number }>,
    allocation: readonly RefundAllocationLine[],
  ): void {
    this.ledger.applyReturn(transactionId, lines, allocation);
  }
}

/** A refund slice the customer takes as store credit: it uses up the tender's refundable amount, but nothing goes back to it. */
function asStoreCredit(line: RefundAllocationLine): RefundAllocationLine {
  const { card: _notRefunded, ...rest } = line;
  return { ...rest, paidAs: "store_credit" };
}

/** The answer as an Idempotency-Key replays it: a store credit number is answered once, never kept. */
function withoutCreditNumber<A extends { storeCredit?: { number?: string } }>(answer: A): A {
  if (!answer.storeCredit?.number) return answer;
  const { number: _printedOnce, ...storeCredit } = answer.storeCredit;
  return { ...answer, storeCredit };
}

/** A void needs the cloud: the balance it closes is the region's. */
function noRegionToVoid(reason: string): ServiceError {
  return new ServiceError(
    503,
    "region_unavailable",
    `a gift card or store credit can be voided only while a region answers (${reason}); try again when the register is back online. Nothing was voided`,
  );
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
