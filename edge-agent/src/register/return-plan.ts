import {
  allocateRefund,
  itemRefund,
  type Money,
  multiply,
  OverReturnError,
  type RefundAllocationLine,
  type ReturnedItem,
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
}

/**
 * Works out what a return refunds, item by item, from the local ledger: units come off the
 * original's lines (several lines of one sku in order), each priced with the shared itemRefund so
 * returning everything in pieces refunds exactly what was paid. Refuses over-returns and unknown
 * skus; originals not on this register are refunded at the declared price, unverified.
 */
export function planReturn(
  ledger: Ledger,
  requests: readonly ReturnItemRequest[],
  options: { allowUnverified: boolean },
): PlannedReturn {
  const originals = new Map<string, LedgerTransaction | null>();
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
    const original = originals.get(req.transactionId) ?? null;
    if (original === null) {
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
    if (original.kind === "return") {
      throw new RegisterRefusal(
        422,
        "not_returnable",
        `transaction ${req.transactionId} is itself a return; items can only be returned from a sale or exchange`,
      );
    }
    const lines = original.lines.filter((l) => l.sku === req.sku);
    if (lines.length === 0) {
      throw new RegisterRefusal(
        422,
        "sku_not_on_transaction",
        `items[${index}]: ${req.sku} was not sold on transaction ${req.transactionId}`,
      );
    }
    const returnable = lines.reduce(
      (s, l) => s + l.quantity - l.returned - (extra.get(`${original.transactionId}:${l.lineNo}`) ?? 0),
      0,
    );
    if (req.quantity > returnable) throw new OverReturnError(req.sku, req.quantity, returnable);
    let left = req.quantity;
    const refunds: Money[] = [];
    for (const line of lines) {
      if (left === 0) break;
      const key = `${original.transactionId}:${line.lineNo}`;
      const already = line.returned + (extra.get(key) ?? 0);
      const take = Math.min(left, line.quantity - already);
      if (take <= 0) continue;
      refunds.push(itemRefund(Ledger.lineAsSale(line), already, take));
      extra.set(key, (extra.get(key) ?? 0) + take);
      returnedLines.push({ transactionId: original.transactionId, lineNo: line.lineNo, quantity: take });
      left -= take;
    }
    const refund = sum(refunds, original.currency);
    useCurrency(refund, `items[${index}]`);
    items.push({ originalTransactionId: req.transactionId, sku: req.sku, quantity: req.quantity, refund });
    perOriginal.set(req.transactionId, [...(perOriginal.get(req.transactionId) ?? []), refund]);
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
  };
}

/** Allocates refund amounts per original to the originals' tenders with the shared allocator. */
export function allocate(
  plan: PlannedReturn,
  requests: ReadonlyArray<{ transactionId: string; amount: Money }>,
): RefundAllocationLine[] {
  const wanted = requests.filter((r) => r.amount.amount > 0);
  if (wanted.length === 0) return [];
  return allocateRefund(plan.originals.map(Ledger.asOriginal), wanted);
}
