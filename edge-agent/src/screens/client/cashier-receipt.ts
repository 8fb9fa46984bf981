import type { Money } from "@tenderline/shared";
import { formatAmount } from "./amount.ts";
import { call } from "./api.ts";
import { setMode } from "./cashier-mode.ts";
import { state } from "./cashier-state.ts";
import { el } from "./dom.ts";

/** Store credit a return just issued, as the return's answer carried it (the number only in that first answer). */
export interface IssuedStoreCredit {
  amount: Money;
  last4?: string;
  number?: string;
  /** The retailer's expiry rule: spend by then. */
  expiresAt?: string;
}

/**
 * The new store credit's number, on this return's receipt only: written from the return's answer
 * into the page (text, never kept in the state or sent back), so it is printed with the receipt.
 * The register keeps no copy, so a receipt shown again later carries the last four only.
 */
function storeCreditNote(credit: IssuedStoreCredit): HTMLElement {
  const note = document.createElement("div");
  note.id = "store-credit-number";
  note.className = "receipt-credit";
  const title = document.createElement("p");
  title.textContent = `Store credit issued: ${formatAmount(credit.amount)} ${credit.amount.currency}`;
  const number = document.createElement("p");
  number.className = "mono big";
  // An answer without the number (a retried request's replay) names the credit by its last four.
  number.textContent = credit.number ?? (credit.last4 ? `•••• ${credit.last4}` : "");
  const hint = document.createElement("p");
  hint.className = "note";
  hint.textContent = credit.number
    ? "Keep this receipt: the number is shown only on it, and spends the credit."
    : "The full number was issued with the return's first answer only; the register keeps no copy.";
  note.append(title, number, hint);
  if (credit.expiresAt) {
    const expiry = document.createElement("p");
    expiry.id = "store-credit-expiry";
    expiry.textContent = `Valid until ${new Date(credit.expiresAt).toLocaleDateString()}`;
    note.append(expiry);
  }
  return note;
}

export async function showReceipt(transactionId: string, storeCredit?: IssuedStoreCredit): Promise<void> {
  const r = await call<{ html: string }>(`/screens/cashier/receipt/${encodeURIComponent(transactionId)}`);
  el("receipt").innerHTML = r.html;
  if (storeCredit) el("receipt").append(storeCreditNote(storeCredit));
  state.receiptId = transactionId;
  setMode("receipt");
  el("new-sale").focus();
}

/** While a receipt is on screen, its "waiting to sync" tag turns into "synced" once the cloud has it. */
export async function refreshReceiptSync(): Promise<void> {
  if (el("receipt-mode").hidden || !state.receiptId) return;
  if (document.querySelector("#receipt-sync .tag.acked")) return;
  const r = await call<{ html: string }>(`/screens/cashier/receipt/${encodeURIComponent(state.receiptId)}`);
  if (el("receipt-mode").hidden) return;
  // The store credit number was never the agent's to render again: it stays on the receipt as it was.
  const credit = document.getElementById("store-credit-number");
  el("receipt").innerHTML = r.html;
  if (credit) el("receipt").append(credit);
}

/**
 * Prints the receipt on screen, barcode included: the print stylesheet leaves only the receipt on
 * the page. (No pop-up window: the Electron shell refuses new windows.)
 */
export function printReceipt(): void {
  if (el("receipt-mode").hidden || !state.receiptId) return;
  window.print();
}
