import type { TenderInput } from "@tenderline/shared";
import { formatAmount, parseAmount } from "./amount.ts";
import { ApiProblem, call } from "./api.ts";
import { setMode } from "./cashier-mode.ts";
import { showReceipt } from "./cashier-receipt.ts";
import { type CheckoutAnswer, newKey, nextRender, state } from "./cashier-state.ts";
import { el, input, problem, show } from "./dom.ts";

/** Sends the cart and tenders to the agent and paints what it quotes and renders. */
export async function refreshCheckout(): Promise<void> {
  const answer = await call<CheckoutAnswer>("/screens/api/checkout", {
    body: { items: state.items, giftCardLines: state.giftLines, tenders: state.tenders },
  });
  state.items = answer.lines.filter((l) => !l.storedValue).map((l) => ({ sku: l.sku, quantity: l.quantity }));
  state.lines = answer.lines;
  state.currency = answer.currency;
  state.remaining = answer.settlement?.remaining ?? null;
  state.complete = answer.settlement?.complete ?? false;
  el("cart").innerHTML = answer.cartHtml;
  el("cart").dataset.version = nextRender();
  el("checkout-totals").innerHTML = answer.totalsHtml;
  el("tenders").innerHTML = answer.tendersHtml;
  input("tender-amount").value = state.remaining && state.remaining.amount > 0 ? formatAmount(state.remaining) : "";
  el<HTMLButtonElement>("complete-sale").disabled = !state.complete || state.busy;
}

export async function addItem(code: string, quantity: number): Promise<void> {
  const before = state.items.slice();
  state.items.push({ sku: code, quantity });
  try {
    await refreshCheckout();
    show("scan-error", "");
  } catch (error) {
    state.items = before;
    show("scan-error", problem(error));
    el("cart").dataset.version = nextRender();
  }
}

const TENDER_LABELS: Record<string, [string, string]> = {
  card: ["Amount to charge", "Charge card"],
  cash: ["Cash handed over", "Take cash"],
  gift_card: ["Amount from the gift card", "Use gift card"],
};

export function selectTender(type: string): void {
  state.tenderType = type;
  for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>("[data-tender]"))) {
    b.setAttribute("aria-pressed", String(b.dataset.tender === type));
  }
  for (const row of Array.from(document.querySelectorAll<HTMLElement>("[data-for]"))) row.hidden = row.dataset.for !== type;
  const [label, button] = TENDER_LABELS[type] ?? ["Amount", "Add"];
  el("tender-amount-label").textContent = label;
  el("add-tender").textContent = button;
}

/** Takes the chosen tender for the amount typed (or all that is due): the card goes through the terminal route, never here. */
export async function addTender(): Promise<void> {
  if (state.lines.length === 0) throw new ApiProblem("scan an item first");
  const amount = parseAmount(input("tender-amount").value, state.currency) ?? state.remaining;
  if (!amount || amount.amount <= 0) throw new ApiProblem("nothing is due; complete the sale");
  if (state.tenderType === "card") {
    const approval = await call<{ tender: TenderInput }>("/screens/api/terminal", {
      body: { amount, card: el<HTMLSelectElement>("card-choice").value, entryMode: el<HTMLSelectElement>("entry-mode").value },
    });
    state.tenders.push(approval.tender);
  } else if (state.tenderType === "cash") {
    state.tenders.push({ type: "cash", amount, tendered: amount });
  } else {
    const gift = await call<{ giftCard: { sealed: string; last4: string } }>("/screens/api/gift-card", {
      body: { code: input("gift-code").value },
    });
    state.tenders.push({ type: "gift_card", amount, giftCard: gift.giftCard });
    input("gift-code").value = "";
  }
  try {
    await refreshCheckout();
  } catch (error) {
    state.tenders.pop();
    await refreshCheckout();
    throw error;
  }
}

export async function completeSale(): Promise<void> {
  if (!state.complete || state.busy) return;
  state.busy = true;
  el<HTMLButtonElement>("complete-sale").disabled = true;
  state.saleKey ||= newKey();
  // A manager approving at the point of sale signs in for this one sale and is signed out after it.
  const approving = !el("override-row").hidden;
  try {
    if (approving) {
      const pin = input("override-pin");
      const managerId = input("override-manager").value.trim();
      try {
        await call("/api/v1/manager/session", { body: { managerId, pin: pin.value } });
      } finally {
        pin.value = "";
      }
    }
    const sale = await call<{ transactionId: string }>("/api/v1/sales", {
      body: { cashierId: input("cashier-id").value, lines: state.lines, tenders: state.tenders },
      key: state.saleKey,
    });
    show("sale-error", "");
    await showReceipt(sale.transactionId);
  } catch (error) {
    show("sale-error", problem(error));
    // Refused, nothing recorded: the next attempt is a new request (a manager may approve it).
    if (error instanceof ApiProblem && error.status >= 400 && error.status < 500) state.saleKey = "";
    if (error instanceof ApiProblem && error.code === "offline_card_limit") {
      el("override-row").hidden = false;
      input("override-manager").focus();
    }
  } finally {
    if (approving) {
      await call("/api/v1/manager/session", { method: "DELETE", body: {} }).catch((error: unknown) =>
        show("sale-error", `the manager could not be signed out (${problem(error)}); the sign-in ends by itself within minutes`),
      );
    }
    state.busy = false;
    el<HTMLButtonElement>("complete-sale").disabled = !state.complete;
  }
}

export function resetSale(): void {
  // A store credit number printed on the last receipt does not stay in the page after it.
  document.getElementById("store-credit-number")?.remove();
  state.items = [];
  state.giftLines = [];
  state.tenders = [];
  state.saleKey = "";
  el("override-row").hidden = true;
  input("override-manager").value = "";
  input("override-pin").value = "";
  void refreshCheckout().catch((error: unknown) => show("sale-error", problem(error)));
  setMode("sale");
}
