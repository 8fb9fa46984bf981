import { z } from "zod";

/** ISO-4217 alphabetic code. Minor-unit exponents are the currency's business, not ours: amounts are already minor units. */
export const CurrencySchema = z.string().regex(/^[A-Z]{3}$/, "currency must be a 3-letter ISO-4217 code such as USD");

const NOT_MINOR_UNITS = "amount must be an integer number of minor units (cents), e.g. 1999 for 19.99";

/**
 * Zod's int() is the safe-integer range, so one native check covers both mistakes (no refinement:
 * this schema is on the ingest hot path, several times per event).
 */
const Amount = z
  .number({ error: NOT_MINOR_UNITS })
  .int({ error: (issue) => (issue.code === "too_big" || issue.code === "too_small" ? "amount is too large" : NOT_MINOR_UNITS) });

export const MoneySchema = z.object({
  amount: Amount,
  currency: CurrencySchema,
});
export type Money = z.infer<typeof MoneySchema>;

/** A money amount that must not be negative (prices, tenders, refunds). */
export const NonNegativeMoneySchema = z.object({
  amount: Amount.min(0, "amount must not be negative"),
  currency: CurrencySchema,
});

export class CurrencyMismatchError extends Error {
  readonly code = "currency_mismatch";
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`currency mismatch: expected ${expected}, got ${actual}; amounts in different currencies cannot be combined`);
    this.name = "CurrencyMismatchError";
  }
}

export function money(amount: number, currency: string): Money {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`amount must be an integer of minor units, got ${amount}`);
  return { amount, currency };
}

export function zero(currency: string): Money {
  return { amount: 0, currency };
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new CurrencyMismatchError(a.currency, b.currency);
}

function checked(amount: number): number {
  if (!Number.isSafeInteger(amount)) throw new RangeError("money amount overflowed the safe integer range");
  return amount;
}

export function add(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return { amount: checked(a.amount + b.amount), currency: a.currency };
}

export function subtract(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return { amount: checked(a.amount - b.amount), currency: a.currency };
}

export function multiply(a: Money, factor: number): Money {
  if (!Number.isSafeInteger(factor)) throw new RangeError(`factor must be an integer, got ${factor}`);
  return { amount: checked(a.amount * factor), currency: a.currency };
}

/** Sum of amounts that must all share `currency`; an empty list sums to zero. */
export function sum(items: readonly Money[], currency: string): Money {
  let total = zero(currency);
  for (const m of items) total = add(total, m);
  return total;
}

export function compare(a: Money, b: Money): -1 | 0 | 1 {
  sameCurrency(a, b);
  return a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0;
}

export function isZero(a: Money): boolean {
  return a.amount === 0;
}

export function min(a: Money, b: Money): Money {
  return compare(a, b) <= 0 ? a : b;
}

/**
 * Splits `total` across integer `weights` by largest remainder: the parts always sum exactly to
 * `total`, and leftover minor units go to the largest remainders (ties to the earliest part).
 */
export function allocateByWeights(total: Money, weights: readonly number[]): Money[] {
  if (weights.length === 0) throw new RangeError("cannot split money into zero parts");
  if (weights.some((w) => !Number.isSafeInteger(w) || w < 0)) throw new RangeError("weights must be non-negative integers");
  const weightSum = weights.reduce((s, w) => s + w, 0);
  if (weightSum === 0) throw new RangeError("weights must not all be zero");
  const sign = total.amount < 0 ? -1 : 1;
  const abs = BigInt(Math.abs(total.amount));
  const ws = BigInt(weightSum);
  const parts = weights.map((w) => (abs * BigInt(w)) / ws);
  const remainders = weights.map((w, i) => ({ i, r: (abs * BigInt(w)) % ws }));
  let left = abs - parts.reduce((s, p) => s + p, 0n);
  remainders.sort((x, y) => (x.r === y.r ? x.i - y.i : x.r > y.r ? -1 : 1));
  for (const { i } of remainders) {
    if (left === 0n) break;
    parts[i] = (parts[i] as bigint) + 1n;
    left -= 1n;
  }
  // `|| 0` keeps a negative total's empty parts at 0, not -0.
  return parts.map((p) => ({ amount: sign * Number(p) || 0, currency: total.currency }));
}

/** Splits `total` into `n` parts that differ by at most one minor unit and sum exactly to `total`. */
export function splitEvenly(total: Money, n: number): Money[] {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError("n must be a positive integer");
  return allocateByWeights(
    total,
    Array.from({ length: n }, () => 1),
  );
}

/** For logs and screens: 1999 USD -> "USD 19.99" (assumes two minor digits, display only). */
export function formatMoney(m: Money): string {
  const sign = m.amount < 0 ? "-" : "";
  const abs = Math.abs(m.amount);
  return `${sign}${m.currency} ${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}
