import type { Money, TenderInput } from "@tenderline/shared";
import { ApiProblem, call } from "./api.ts";
import { type IssuedStoreCredit, showReceipt } from "./cashier-receipt.ts";
import { type CheckoutAnswer, newKey, type ReturnItem, state } from "./cashier-state.ts";
import { el, input, problem, show } from "./dom.ts";

/** The quantities typed against the original receipt's lines. */
function returnItems(): ReturnItem[] {
  const items: ReturnItem[] = [];
  for (const f of Array.from(document.querySelectorAll<HTMLInputElement>("[data-return-sku]"))) {
    const q = Number(f.value);
    if (Number.isInteger(q) && q > 0)
      items.push({ transactionId: f.dataset.transactionId ?? "", sku: f.dataset.returnSku ?? "", quantity: q });
  }
  return items;
}

/** Anything changed since the refund was shown: it must be shown again before it can be confirmed. */
export function invalidatePreview(): void {
  state.previewKind = "";
  state.previewNet = null;
  state.returnKey = "";
  el<HTMLButtonElement>("confirm-return").disabled = true;
}

/** Finds the original by its receipt number (typed in any case, or scanned) or its transaction id. */
export async function lookup(ref: string): Promise<void> {
  const r = await call<{ html: string; transactionId: string; receiptNumber: string | null }>(
    `/screens/cashier/return-original/${encodeURIComponent(ref.trim())}`,
  );
  state.returnTx = r.transactionId;
  // Cleared once found, so the next scan starts on an empty field; the original shows its number.
  input("lookup").value = "";
  el("return-original").innerHTML = r.html;
  el("return-preview").innerHTML = '<p class="empty">Choose quantities, then show the refund.</p>';
  invalidatePreview();
  const first = document.querySelector<HTMLInputElement>("[data-return-sku]:not([disabled])");
  first?.focus();
  first?.select();
}

function renderExchangeItems(): void {
  const list = el("exchange-items");
  list.replaceChildren(
    ...state.exchangeLines.map((l) => {
      const li = document.createElement("li");
      li.textContent = `${l.quantity} × ${l.description} (${l.sku})`;
      return li;
    }),
  );
}

export async function addExchangeItem(code: string): Promise<void> {
  const items = [...state.exchangeLines.map((l) => ({ sku: l.sku, quantity: l.quantity })), { sku: code, quantity: 1 }];
  const answer = await call<CheckoutAnswer>("/screens/api/checkout", { body: { items, tenders: [] } });
  state.exchangeLines = answer.lines;
  renderExchangeItems();
  invalidatePreview();
}

export async function preview(): Promise<void> {
  const items = returnItems();
  if (items.length === 0) throw new ApiProblem("enter how many of an item come back");
  const r = await call<{ html: string; kind: "return" | "exchange"; net: Money | null }>("/screens/api/return-preview", {
    body: { items, exchangeItems: state.exchangeLines.map((l) => ({ sku: l.sku, quantity: l.quantity })) },
  });
  el("return-preview").innerHTML = r.html;
  state.previewKind = r.kind;
  state.previewNet = r.net;
  el("exchange-pay").hidden = !(r.kind === "exchange" && r.net && r.net.amount > 0);
  el<HTMLButtonElement>("confirm-return").disabled = false;
  el<HTMLButtonElement>("confirm-return").textContent = r.kind === "exchange" ? "Confirm exchange" : "Confirm return";
  el("confirm-return").focus();
}

/** Records the return (or the exchange, taking what the customer still owes) exactly as previewed. */
export async function confirmReturn(): Promise<void> {
  if (!state.previewKind || state.busy) return;
  state.busy = true;
  const button = el<HTMLButtonElement>("confirm-return");
  button.disabled = true;
  state.returnKey ||= newKey();
  try {
    const items = returnItems();
    const cashierId = input("cashier-id").value;
    const reason = input("return-reason").value || "customer return";
    // The customer may take the refund (or an exchange's refunded difference) as store credit.
    const refundTo = el<HTMLSelectElement>("refund-to").value === "store_credit" ? { refundTo: "store_credit" } : {};
    let recorded: { transactionId: string; storeCredit?: IssuedStoreCredit };
    if (state.previewKind === "return") {
      recorded = await call("/api/v1/returns", { body: { cashierId, items, reason, ...refundTo }, key: state.returnKey });
    } else {
      const tenders: TenderInput[] = [];
      const net = state.previewNet;
      if (net && net.amount > 0) {
        if (el<HTMLSelectElement>("exchange-pay-by").value === "card") {
          const approval = await call<{ tender: TenderInput }>("/screens/api/terminal", {
            body: { amount: net, card: "visa", entryMode: "chip" },
          });
          tenders.push(approval.tender);
        } else {
          tenders.push({ type: "cash", amount: net, tendered: net });
        }
      }
      recorded = await call("/api/v1/exchanges", {
        body: { cashierId, returnItems: items, lines: state.exchangeLines, tenders, reason, ...refundTo },
        key: state.returnKey,
      });
    }
    show("return-error", "");
    el<HTMLSelectElement>("refund-to").value = "original";
    state.exchangeLines = [];
    renderExchangeItems();
    el("return-original").innerHTML = '<p class="empty">Find the original receipt to choose what comes back.</p>';
    el("return-preview").innerHTML = "";
    invalidatePreview();
    await showReceipt(recorded.transactionId, recorded.storeCredit);
  } catch (error) {
    show("return-error", problem(error));
    button.disabled = false;
  } finally {
    state.busy = false;
  }
}
