import {
  allocateRefund,
  itemRefund,
  type Money,
  multiply,
  type OriginalTransaction,
  OverReturnError,
  type RefundAllocationLine,
  type ReturnedItem,
  type ReturnOriginal,
  type ReturnOriginalRef,
  type SaleLine,
  sum,
} from "@tenderline/shared";
import { Ledger, type LedgerTransaction } from "../ledger/ledger.ts";
import { RegisterRefusal } from "./refusal.ts";

export interface ReturnItemRequest {
  transactionId: string;
  sku: string;
  quantity: number;
  /** Price with tax per unit, declared by the register; used only when the original is not on this register. */
  unitPrice?: Money;
}

export interface PlannedReturn {
  currency: string;
  items: ReturnedItem[];
  /** Refund value per verified original transaction, in the order the items named them. */
  perOriginal: Array<{ transactionId: string; amount: Money }>;
  /** Value of items whose original could not be verified here: refunded to store credit. */
  unverified: Money;
  verified: boolean;
  /** Ledger updates to apply once recorded: units returned per original line. */
  returnedLines: Array<{ transactionId: string; lineNo: number; quantity: number }>;
  originals: LedgerTransaction[];
  /** Originals the cloud verified (not on this register), in the order the items named them. */
  cloudOriginals: ReturnOriginal[];
  /** Units taken, per original and sku, from every original the cloud knows (its own or this register's): what the return reserves at the cloud. */
  cloudItems: Array<{ transactionId: string; sku: string; quantity: number }>;
  /** What the cloud knows of this register's own originals in the return (cloudView), in the order the items named them. */
  viewedOriginals: ReturnOriginal[];
}

export interface PlanOptions {
  allowUnverified: boolean;
  /**
   * Originals the cloud found for refs (transaction id or receipt number) this register does not
   * hold: planned against the cloud's remaining units (returned and reserved units are taken).
   */
  cloud?: ReadonlyMap<string, ReturnOriginal>;
  /**
   * What the cloud knows of originals this register does hold, by transaction id: units and
   * refunds other registers took (or hold right now) count as gone too, so a sale returned at
   * another register cannot be returned again here. Without it (offline), the local ledger alone.
   */
  cloudView?: ReadonlyMap<string, ReturnOriginal>;
}

/** One line of an original, wherever it was read: what itemRefund needs and the units already gone. */
interface PlanLine {
  lineNo: number;
  sale: SaleLine;
  /** Units returned before this return (for a cloud original, also those held by other returns' reservations). */
  gone: number;
}

function ledgerLines(tx: LedgerTransaction, view?: ReturnOriginal): PlanLine[] {
  return tx.lines.map((l) => {
    const seen = view?.lines.find((c) => c.lineNo === l.lineNo && c.sku === l.sku);
    // The larger of the two: this register's unsent returns are only here, other registers' only there.
    const gone = Math.max(l.returned, seen ? seen.returned + seen.reserved : 0);
    return { lineNo: l.lineNo, sale: Ledger.lineAsSale(l), gone };
  });
}

/** A local original as the allocator sees it, with the cloud's refunds and holds on each tender when it knows them. */
function localAsOriginal(tx: LedgerTransaction, view?: ReturnOriginal): OriginalTransaction {
  const original = Ledger.asOriginal(tx);
  if (!view) return original;
  const local = new Map(original.priorRefunds.map((p) => [p.tenderId, p.amount.amount]));
  return {
    ...original,
    priorRefunds: original.tenders
      .map((t) => {
        const seen = view.tenders.find((c) => c.tenderId === t.tenderId);
        const cloud = seen ? seen.refunded.amount + seen.reserved.amount : 0;
        return {
          tenderId: t.tenderId,
          amount: { amount: Math.max(local.get(t.tenderId) ?? 0, cloud), currency: t.amount.currency },
        };
      })
      .filter((p) => p.amount.amount > 0),
  };
}

function cloudLines(original: ReturnOriginal): PlanLine[] {
  return original.lines.map((l) => ({
    lineNo: l.lineNo,
    sale: { sku: l.sku, description: l.description, quantity: l.quantity, unitPrice: l.unitPrice, tax: l.tax },
    gone: l.returned + l.reserved,
  }));
}

/**
 * A cloud original as the shared allocator sees it: its tenders, and what is already refunded or
 * held by other returns' reservations on each (the cloud's remaining is what may still go back).
 */
export function cloudAsOriginal(original: ReturnOriginal): OriginalTransaction {
  return {
    transactionId: original.transactionId,
    tenders: original.tenders.map((t) => ({ tenderId: t.tenderId, type: t.type, amount: t.amount })),
    priorRefunds: original.tenders
      .map((t) => ({
        tenderId: t.tenderId,
        amount: { amount: t.refunded.amount + t.reserved.amount, currency: t.amount.currency },
      }))
      .filter((p) => p.amount.amount > 0),
  };
}

/**
 * Splits what the cloud found (by the refs the items named) into originals this register does not
 * hold (`cloud`, by ref) and the cloud's view of its own (`cloudView`, by transaction id), as
 * planReturn takes them: the recording and the cashier screen's preview split it alike.
 */
export function splitCloudOriginals(
  ledger: Pick<Ledger, "get">,
  found: ReadonlyMap<string, ReturnOriginal>,
): { cloud: Map<string, ReturnOriginal>; cloudView: Map<string, ReturnOriginal> } {
  const cloud = new Map<string, ReturnOriginal>();
  const cloudView = new Map<string, ReturnOriginal>();
  for (const [ref, original] of found) {
    const local = ledger.get(ref);
    if (local) cloudView.set(local.transactionId, original);
    else cloud.set(ref, original);
  }
  return { cloud, cloudView };
}

/** Where a cloud-verified original was sold, for the return's payload (`originals`). */
export function originalRef(original: ReturnOriginal): ReturnOriginalRef {
  return {
    transactionId: original.transactionId,
    storeId: original.storeId,
    registerId: original.registerId,
    ...(original.channel ? { channel: original.channel } : {}),
    ...(original.receiptNumber ? { receiptNumber: original.receiptNumber } : {}),
  };
}

/**
 * Works out what a return refunds, item by item, from the local ledger or, for an original not on
 * this register, from the cloud's (options.cloud): units come off the original's lines (several
 * lines of one sku in order), each priced with the shared itemRefund so returning everything in
 * pieces refunds exactly what was paid, wherever the pieces were returned. Refuses over-returns
 * and unknown skus; originals neither here nor in the cloud are refunded at the declared price,
 * unverified. Items name their original by its transaction id (a receipt number is resolved).
 */
export function planReturn(
  ledger: Pick<Ledger, "get">,
  requests: readonly ReturnItemRequest[],
  options: PlanOptions,
): PlannedReturn {
  const originals = new Map<string, LedgerTransaction | null>();
  const cloudOriginals = new Map<string, ReturnOriginal>();
  const viewedOriginals = new Map<string, ReturnOriginal>();
  const cloudItems = new Map<string, { transactionId: string; sku: string; quantity: number }>();
  const extra = new Map<string, number>();
  const items: ReturnedItem[] = [];
  const returnedLines: PlannedReturn["returnedLines"] = [];
  const perOriginal = new Map<string, Money[]>();
  const unverified: Money[] = [];
  let currency: string | undefined;

  const useCurrency = (m: Money, what: string): void => {
    currency ??= m.currency;
    if (m.currency !== currency) {
      throw new RegisterRefusal(
        422,
        "currency_mismatch",
        `${what} is in ${m.currency} but this return is in ${currency}; return each currency separately`,
      );
    }
  };

  requests.forEach((req, index) => {
    if (!originals.has(req.transactionId)) originals.set(req.transactionId, ledger.get(req.transactionId) ?? null);
    const local = originals.get(req.transactionId) ?? null;
    const cloud = local === null ? options.cloud?.get(req.transactionId) : undefined;
    if (local === null && cloud === undefined) {
      if (!options.allowUnverified) {
        throw new RegisterRefusal(
          422,
          "original_not_found",
          `transaction ${req.transactionId} (items[${index}]) is not on this register, so it cannot be exchanged here; process it as a return to store credit`,
        );
      }
      if (!req.unitPrice) {
        throw new RegisterRefusal(
          422,
          "original_not_found",
          `transaction ${req.transactionId} (items[${index}]) is not on this register and cannot be verified; give items[${index}].unitPrice (price with tax per unit) to refund it to store credit`,
        );
      }
      useCurrency(req.unitPrice, `items[${index}].unitPrice`);
      const refund = multiply(req.unitPrice, req.quantity);
      unverified.push(refund);
      items.push({ originalTransactionId: req.transactionId, sku: req.sku, quantity: req.quantity, refund });
      return;
    }
    if (local?.kind === "return") {
      throw new RegisterRefusal(
        422,
        "not_returnable",
        `transaction ${req.transactionId} is itself a return; items can only be returned from a sale or exchange`,
      );
    }
    const view = local ? options.cloudView?.get(local.transactionId) : undefined;
    if (view) viewedOriginals.set(view.transactionId, view);
    const original = local
      ? { transactionId: local.transactionId, currency: local.currency, lines: ledgerLines(local, view) }
      : (() => {
          const c = cloud as ReturnOriginal;
          cloudOriginals.set(c.transactionId, c);
          return { transactionId: c.transactionId, currency: c.currency, lines: cloudLines(c) };
        })();
    const lines = original.lines.filter((l) => l.sale.sku === req.sku);
    if (lines.length === 0) {
      throw new RegisterRefusal(
        422,
        "sku_not_on_transaction",
        `items[${index}]: ${req.sku} was not sold on transaction ${req.transactionId}`,
      );
    }
    const returnable = lines.reduce(
      (s, l) => s + l.sale.quantity - l.gone - (extra.get(`${original.transactionId}:${l.lineNo}`) ?? 0),
      0,
    );
    if (req.quantity > returnable) throw new OverReturnError(req.sku, req.quantity, returnable);
    let left = req.quantity;
    const refunds: Money[] = [];
    for (const line of lines) {
      if (left === 0) break;
      const key = `${original.transactionId}:${line.lineNo}`;
      const already = line.gone + (extra.get(key) ?? 0);
      const take = Math.min(left, line.sale.quantity - already);
      if (take <= 0) continue;
      refunds.push(itemRefund(line.sale, already, take));
      extra.set(key, (extra.get(key) ?? 0) + take);
      // Only this register's own originals are in its ledger; the cloud's are held by the reservation.
      if (local) returnedLines.push({ transactionId: original.transactionId, lineNo: line.lineNo, quantity: take });
      left -= take;
    }
    if (!local || view) {
      const key = `${original.transactionId}:${req.sku}`;
      const held = cloudItems.get(key) ?? { transactionId: original.transactionId, sku: req.sku, quantity: 0 };
      held.quantity += req.quantity;
      cloudItems.set(key, held);
    }
    const refund = sum(refunds, original.currency);
    useCurrency(refund, `items[${index}]`);
    items.push({ originalTransactionId: original.transactionId, sku: req.sku, quantity: req.quantity, refund });
    perOriginal.set(original.transactionId, [...(perOriginal.get(original.transactionId) ?? []), refund]);
  });

  const cur = currency as string;
  return {
    currency: cur,
    items,
    perOriginal: [...perOriginal].map(([transactionId, parts]) => ({ transactionId, amount: sum(parts, cur) })),
    unverified: sum(unverified, cur),
    verified: unverified.length === 0,
    returnedLines,
    originals: [...originals.values()].filter((o): o is LedgerTransaction => o !== null),
    cloudOriginals: [...cloudOriginals.values()],
    cloudItems: [...cloudItems.values()],
    viewedOriginals: [...viewedOriginals.values()],
  };
}

/**
 * Allocates refund amounts per original to the originals' tenders with the shared allocator (the
 * cloud's originals against what the cloud says is left on each tender). A slice going back to a
 * cloud original's card carries the card's token, last four and processor reference: the register
 * refunds a card it never saw by them.
 */
export function allocate(
  plan: Pick<PlannedReturn, "originals" | "cloudOriginals"> & Partial<Pick<PlannedReturn, "viewedOriginals">>,
  requests: ReadonlyArray<{ transactionId: string; amount: Money }>,
): RefundAllocationLine[] {
  const wanted = requests.filter((r) => r.amount.amount > 0);
  if (wanted.length === 0) return [];
  const views = new Map((plan.viewedOriginals ?? []).map((v) => [v.transactionId, v]));
  const lines = allocateRefund(
    [...plan.originals.map((o) => localAsOriginal(o, views.get(o.transactionId))), ...plan.cloudOriginals.map(cloudAsOriginal)],
    wanted,
  );
  const cloudCards = new Map(
    plan.cloudOriginals.flatMap((o) =>
      o.tenders.flatMap((t) => (t.card ? [[`${o.transactionId}:${t.tenderId}`, t.card] as const] : [])),
    ),
  );
  return lines.map((line) => {
    const card = line.tenderType === "card" ? cloudCards.get(`${line.originalTransactionId}:${line.tenderId}`) : undefined;
    return card ? { ...line, card: { token: card.token, last4: card.last4, processorRef: card.processorRef } } : line;
  });
}
