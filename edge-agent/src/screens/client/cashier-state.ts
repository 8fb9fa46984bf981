import type { Money, SaleLine, TenderInput } from "@tenderline/shared";

/** What /screens/api/checkout answers: the quoted lines and the agent-rendered cart, totals and tenders. */
export interface CheckoutAnswer {
  cartHtml: string;
  totalsHtml: string;
  tendersHtml: string;
  lines: SaleLine[];
  currency: string;
  settlement: { remaining: Money; complete: boolean } | null;
}

/** A gift card sold or reloaded on this sale: the card as /screens/api/gift-card sealed it, never its number. */
export type GiftCardLine = {
  action: "activate" | "load";
  amount: Money;
  giftCard: { sealed: string; last4: string };
};

export type ReturnItem = { transactionId: string; sku: string; quantity: number };

/** The cashier screen's state, all of it: the views are rendered by the agent from what is sent here. */
export const state = {
  items: [] as Array<{ sku: string; quantity: number }>,
  /** After the items in the cart's lines (the agent quotes them last). */
  giftLines: [] as GiftCardLine[],
  tenders: [] as TenderInput[],
  lines: [] as SaleLine[],
  currency: "USD",
  remaining: null as Money | null,
  complete: false,
  tenderType: "card",
  saleKey: "",
  busy: false,
  returnTx: "",
  exchangeLines: [] as SaleLine[],
  previewKind: "" as "" | "return" | "exchange",
  previewNet: null as Money | null,
  returnKey: "",
  receiptId: "",
};

/** Counts cart renders (on #cart as data-version) so anything watching the screen knows it is up to date. */
let renders = 0;
export function nextRender(): string {
  return String(++renders);
}

export function newKey(): string {
  return crypto.randomUUID();
}
