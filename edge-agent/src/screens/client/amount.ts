import type { Money } from "@tenderline/shared";
import { ApiProblem } from "./api.ts";

/** "12.34" or "12" -> 1234 minor units; empty -> null; anything else -> an error naming the field. */
export function parseAmount(text: string, currency: string): Money | null {
  const t = text.trim().replace(/^[$€£]/, "");
  if (t === "") return null;
  const m = /^(\d{1,7})(?:[.,](\d{1,2}))?$/.exec(t);
  if (!m) throw new ApiProblem("enter the amount like 12.50");
  const cents = Number(m[1]) * 100 + Number((m[2] ?? "0").padEnd(2, "0"));
  return { amount: cents, currency };
}

/** 1234 minor units -> "12.34", as the cashier types it into the amount field. */
export function formatAmount(m: Money): string {
  return `${Math.floor(m.amount / 100)}.${String(m.amount % 100).padStart(2, "0")}`;
}
