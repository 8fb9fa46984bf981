import type { TenderEvent, TenderEventOf } from "../events/envelope.ts";
import type { Totals } from "../events/lines.ts";
import type { Money } from "../money/money.ts";
import { computeTotals } from "./totals.ts";

/** Why a recorded event's money does not add up; the reasons the cloud's ingest rejects with. */
export interface ArithmeticProblem {
  reason: "invalid_totals" | "currency_mismatch";
  /** Names the fields and the figures; never anything but amounts and field names. */
  detail: string;
}

/**
 * Checks that an event's money adds up the way the register computes it (computeTotals,
 * settleTenders, the refund allocator): one currency throughout; totals are the lines plus tax;
 * tenders pay exactly the total (cash change given back is not part of what a tender pays);
 * refunds are their items and go back through allocation or store credit in full; an exchange's
 * net is its new total less the returned value. null when everything adds up.
 */
export function checkEventArithmetic(event: TenderEvent): ArithmeticProblem | null {
  switch (event.type) {
    case "sale.completed":
      return checkSale(event);
    case "order.completed":
      // An online order's money adds up exactly as a sale's does.
      return checkSale({ ...event, type: "sale.completed" });
    case "return.completed":
      return checkReturn(event);
    case "exchange.completed":
      return checkExchange(event);
    default:
      return null;
  }
}

type Amounts = Array<[field: string, money: Money | undefined]>;

function currencyProblem(currency: string, amounts: Amounts): ArithmeticProblem | null {
  for (const [field, m] of amounts) {
    if (m !== undefined && m.currency !== currency) {
      return {
        reason: "currency_mismatch",
        detail: `${field} is in ${m.currency} but the transaction is in ${currency}; one transaction uses one currency`,
      };
    }
  }
  return null;
}

const total = (amounts: ReadonlyArray<Money | undefined>): number => amounts.reduce((s, m) => s + (m?.amount ?? 0), 0);

function mismatch(field: string, stated: number, expected: number, why: string): ArithmeticProblem {
  return { reason: "invalid_totals", detail: `${field} is ${stated} but ${why} ${expected}` };
}

function lineAmounts(prefix: string, lines: TenderEventOf<"sale.completed">["payload"]["lines"]): Amounts {
  return lines.flatMap(
    (l, i): Amounts => [
      [`${prefix}[${i}].unitPrice`, l.unitPrice],
      [`${prefix}[${i}].tax`, l.tax],
    ],
  );
}

function tenderAmounts(tenders: TenderEventOf<"sale.completed">["payload"]["tenders"]): Amounts {
  return tenders.flatMap(
    (t, i): Amounts => [
      [`payload.tenders[${i}].amount`, t.amount],
      ...(t.type === "cash"
        ? ([
            [`payload.tenders[${i}].tendered`, t.tendered],
            [`payload.tenders[${i}].change`, t.change],
          ] as Amounts)
        : []),
    ],
  );
}

function totalsProblem(lines: TenderEventOf<"sale.completed">["payload"]["lines"], stated: Totals): ArithmeticProblem | null {
  let computed: Totals;
  try {
    computed = computeTotals(lines);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return { reason: "invalid_totals", detail: "the lines' amounts add up past the largest amount a transaction can hold" };
  }
  for (const part of ["subtotal", "tax", "total"] as const) {
    if (stated[part].amount !== computed[part].amount) {
      return mismatch(`payload.totals.${part}`, stated[part].amount, computed[part].amount, "the lines add up to");
    }
  }
  return null;
}

/** Tenders pay `owed` exactly; each cash tender's change is what was handed over less what it paid. */
function tendersProblem(
  tenders: TenderEventOf<"sale.completed">["payload"]["tenders"],
  owed: number,
  owedField: string,
  change: Money | undefined,
): ArithmeticProblem | null {
  const paid = total(tenders.map((t) => t.amount));
  if (paid !== owed) return mismatch("the tenders' amounts", paid, owed, `${owedField} is`);
  let given = 0;
  for (const [i, t] of tenders.entries()) {
    if (t.type !== "cash" || t.tendered === undefined) continue;
    const tenderChange = t.tendered.amount - t.amount.amount;
    if (tenderChange < 0)
      return mismatch(`payload.tenders[${i}].tendered`, t.tendered.amount, t.amount.amount, "it is below the amount");
    if ((t.change?.amount ?? 0) !== tenderChange) {
      return mismatch(`payload.tenders[${i}].change`, t.change?.amount ?? 0, tenderChange, "tendered less amount is");
    }
    given += tenderChange;
  }
  if ((change?.amount ?? 0) !== given)
    return mismatch("payload.change", change?.amount ?? 0, given, "the cash tenders gave back");
  return null;
}

/**
 * The common case, in one pass with nothing allocated: one currency everywhere, lines and tax
 * adding up, tenders paying the total, change as handed back. Returns false at the first doubt;
 * the careful path below then finds and words the problem.
 */
function saleAddsUp(p: TenderEventOf<"sale.completed">["payload"]): boolean {
  const currency = p.totals.total.currency;
  if (p.totals.subtotal.currency !== currency || p.totals.tax.currency !== currency) return false;
  let subtotal = 0;
  let tax = 0;
  for (const l of p.lines) {
    if (l.unitPrice.currency !== currency || l.tax.currency !== currency) return false;
    subtotal += l.unitPrice.amount * l.quantity;
    tax += l.tax.amount;
  }
  if (!Number.isSafeInteger(subtotal + tax)) return false;
  if (subtotal !== p.totals.subtotal.amount || tax !== p.totals.tax.amount || subtotal + tax !== p.totals.total.amount)
    return false;
  let paid = 0;
  let given = 0;
  for (const t of p.tenders) {
    if (t.amount.currency !== currency) return false;
    paid += t.amount.amount;
    if (t.type === "cash") {
      if (t.tendered !== undefined) {
        if (t.tendered.currency !== currency || (t.change !== undefined && t.change.currency !== currency)) return false;
        if ((t.change?.amount ?? 0) !== t.tendered.amount - t.amount.amount || t.tendered.amount < t.amount.amount) return false;
        given += t.tendered.amount - t.amount.amount;
      } else if (t.change !== undefined) return false;
    }
  }
  if (p.change !== undefined && p.change.currency !== currency) return false;
  return paid === p.totals.total.amount && (p.change?.amount ?? 0) === given;
}

function checkSale(event: TenderEventOf<"sale.completed">): ArithmeticProblem | null {
  const p = event.payload;
  if (saleAddsUp(p)) return null;
  const currency = p.totals.total.currency;
  return (
    currencyProblem(currency, [
      ["payload.totals.subtotal", p.totals.subtotal],
      ["payload.totals.tax", p.totals.tax],
      ...lineAmounts("payload.lines", p.lines),
      ...tenderAmounts(p.tenders),
      ["payload.change", p.change],
    ]) ??
    totalsProblem(p.lines, p.totals) ??
    tendersProblem(p.tenders, p.totals.total.amount, "payload.totals.total", p.change) ?? {
      reason: "invalid_totals",
      detail: "the sale's amounts do not add up",
    }
  );
}

function checkReturn(event: TenderEventOf<"return.completed">): ArithmeticProblem | null {
  const p = event.payload;
  const currency = p.refund.currency;
  const currencies = currencyProblem(currency, [
    ...p.items.map((it, i): [string, Money] => [`payload.items[${i}].refund`, it.refund]),
    ...p.allocation.map((a, i): [string, Money] => [`payload.allocation[${i}].amount`, a.amount]),
    ["payload.storeCredit.amount", p.storeCredit?.amount],
  ]);
  if (currencies) return currencies;
  const items = total(p.items.map((i) => i.refund));
  if (items !== p.refund.amount) return mismatch("payload.refund", p.refund.amount, items, "the items refund");
  // A slice paid as store credit is in the credit, not paid back to its tender: counted once.
  const toTenders = total(p.allocation.filter((a) => !a.paidAs).map((a) => a.amount));
  const paidBack = toTenders + (p.storeCredit?.amount.amount ?? 0);
  if (paidBack !== p.refund.amount) {
    return mismatch("the allocation paid back to tenders plus store credit", paidBack, p.refund.amount, "payload.refund is");
  }
  return paidAsProblem(p.allocation, p.storeCredit?.amount.amount);
}

/** Slices paid as store credit need the credit they went into, at least as large as they are. */
function paidAsProblem(
  allocation: ReadonlyArray<{ amount: Money; paidAs?: string | undefined }>,
  credit: number | undefined,
): ArithmeticProblem | null {
  const asCredit = total(allocation.filter((a) => a.paidAs).map((a) => a.amount));
  if (asCredit === 0) return null;
  if (credit === undefined) {
    return {
      reason: "invalid_totals",
      detail: "payload.allocation has slices paidAs store_credit but payload.storeCredit is missing",
    };
  }
  if (credit < asCredit)
    return mismatch("payload.storeCredit.amount", credit, asCredit, "the slices paidAs store_credit add up to");
  return null;
}

function checkExchange(event: TenderEventOf<"exchange.completed">): ArithmeticProblem | null {
  const p = event.payload;
  const currency = p.totals.total.currency;
  const currencies = currencyProblem(currency, [
    ["payload.totals.subtotal", p.totals.subtotal],
    ["payload.totals.tax", p.totals.tax],
    ...lineAmounts("payload.lines", p.lines),
    ["payload.returned.value", p.returned.value],
    ...p.returned.items.map((it, i): [string, Money] => [`payload.returned.items[${i}].refund`, it.refund]),
    ["payload.net", p.net],
    ...tenderAmounts(p.tenders),
    ...p.allocation.map((a, i): [string, Money] => [`payload.allocation[${i}].amount`, a.amount]),
    ["payload.change", p.change],
    ["payload.storeCredit.amount", p.storeCredit?.amount],
  ]);
  if (currencies) return currencies;
  const totals = totalsProblem(p.lines, p.totals);
  if (totals) return totals;
  const returned = total(p.returned.items.map((i) => i.refund));
  if (returned !== p.returned.value.amount) {
    return mismatch("payload.returned.value", p.returned.value.amount, returned, "the returned items refund");
  }
  const net = p.totals.total.amount - p.returned.value.amount;
  if (p.net.amount !== net) return mismatch("payload.net", p.net.amount, net, "the new total less the returned value is");
  if (net > 0) {
    if (p.allocation.length > 0)
      return {
        reason: "invalid_totals",
        detail: "payload.allocation must be empty when the customer pays the difference (net above zero)",
      };
    return tendersProblem(p.tenders, net, "payload.net", p.change);
  }
  if (p.tenders.length > 0)
    return {
      reason: "invalid_totals",
      detail: "payload.tenders must be empty when the returned value covers the new items (net zero or below)",
    };
  const refunded = total(p.allocation.map((a) => a.amount));
  if (refunded !== -net) return mismatch("the allocation", refunded, -net, "the returned value less the new total is");
  // An exchange's store credit is exactly the slices paid as it.
  const asCredit = total(p.allocation.filter((a) => a.paidAs).map((a) => a.amount));
  if (p.storeCredit && p.storeCredit.amount.amount !== asCredit) {
    return mismatch(
      "payload.storeCredit.amount",
      p.storeCredit.amount.amount,
      asCredit,
      "the slices paidAs store_credit add up to",
    );
  }
  return paidAsProblem(p.allocation, p.storeCredit?.amount.amount);
}
