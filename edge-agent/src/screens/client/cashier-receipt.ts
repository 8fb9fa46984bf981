import { call } from "./api.ts";
import { setMode } from "./cashier-mode.ts";
import { state } from "./cashier-state.ts";
import { el } from "./dom.ts";

export async function showReceipt(transactionId: string): Promise<void> {
  const r = await call<{ html: string }>(`/screens/cashier/receipt/${encodeURIComponent(transactionId)}`);
  el("receipt").innerHTML = r.html;
  state.receiptId = transactionId;
  setMode("receipt");
  el("new-sale").focus();
}

/** While a receipt is on screen, its "waiting to sync" tag turns into "synced" once the cloud has it. */
export async function refreshReceiptSync(): Promise<void> {
  if (el("receipt-mode").hidden || !state.receiptId) return;
  if (document.querySelector("#receipt-sync .tag.acked")) return;
  const r = await call<{ html: string }>(`/screens/cashier/receipt/${encodeURIComponent(state.receiptId)}`);
  if (!el("receipt-mode").hidden) el("receipt").innerHTML = r.html;
}

/**
 * Prints the receipt on screen, barcode included: the print stylesheet leaves only the receipt on
 * the page. (No pop-up window: the Electron shell refuses new windows.)
 */
export function printReceipt(): void {
  if (el("receipt-mode").hidden || !state.receiptId) return;
  window.print();
}
