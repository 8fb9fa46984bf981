import type { Money } from "@tenderline/shared";

const SYMBOLS: Record<string, string> = { USD: "$", CAD: "$", EUR: "€", GBP: "£" };

/** 1999 USD -> "$19.99", -250 EUR -> "-€2.50"; other currencies keep their code. Display only. */
export function displayMoney(m: Money): string {
  const sign = m.amount < 0 ? "-" : "";
  const abs = Math.abs(m.amount);
  const digits = `${Math.floor(abs / 100).toLocaleString("en-US")}.${String(abs % 100).padStart(2, "0")}`;
  const symbol = SYMBOLS[m.currency];
  return symbol ? `${sign}${symbol}${digits}` : `${sign}${m.currency} ${digits}`;
}

/** 95_000 -> "1 min 35 s", 7_380_000 -> "2 h 3 min": an age a person reads at a glance. */
export function displayAge(ms: number | null): string {
  if (ms === null) return "—";
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

export function eventTypeLabel(type: string): string {
  const labels: Record<string, string> = {
    "sale.completed": "Sale",
    "return.completed": "Return",
    "exchange.completed": "Exchange",
    "sale.voided": "Void",
    "tender.details_updated": "Tender update",
    "stored_value.voided": "Card void",
  };
  return labels[type] ?? type;
}
