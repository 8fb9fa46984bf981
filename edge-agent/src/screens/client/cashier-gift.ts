/**
 * The cashier's gift card panel: check a card's balance, or sell or reload one as a line of the
 * sale. A scanner types the code into #gift-line-code and presses Enter, which submits the form.
 * The code goes to the agent once, to be sealed; the page keeps only the sealed number and last four.
 */
import { parseAmount } from "./amount.ts";
import { ApiProblem, call } from "./api.ts";
import { refreshCheckout } from "./cashier-sale.ts";
import { state } from "./cashier-state.ts";
import { el, focusField, input, problem, show } from "./dom.ts";

const SUBMIT_LABELS: Record<string, string> = {
  balance: "Check balance",
  activate: "Add gift card to sale",
  load: "Add reload to sale",
};

/** Shows the amount field for a sale or reload, and names the button after the action. */
export function selectGiftAction(action: string): void {
  el<HTMLSelectElement>("gift-action").value = action;
  const amount = document.querySelector<HTMLElement>("[data-gift-amount]");
  if (amount) amount.hidden = action === "balance";
  el("gift-submit").textContent = SUBMIT_LABELS[action] ?? "Check balance";
}

/** F10: the balance check, ready for a scan. */
export function startBalanceCheck(): void {
  selectGiftAction("balance");
  focusField("gift-line-code");
}

async function submitGift(): Promise<void> {
  const action = el<HTMLSelectElement>("gift-action").value;
  const codeField = input("gift-line-code");
  const code = codeField.value.trim();
  // The code leaves the field at once, whatever the agent answers; so does the last card's balance.
  codeField.value = "";
  el("gift-balance").innerHTML = "";
  if (code === "") throw new ApiProblem("scan or key the gift card");
  if (action === "balance") {
    const answer = await call<{ html: string }>("/screens/api/gift-card/balance", { body: { code } });
    el("gift-balance").innerHTML = answer.html;
    return;
  }
  if (action !== "activate" && action !== "load") throw new ApiProblem("choose what to do with the gift card");
  const amount = parseAmount(input("gift-line-amount").value, state.currency);
  if (!amount || amount.amount <= 0) throw new ApiProblem("type the amount to put on the gift card");
  const sealed = await call<{ giftCard: { sealed: string; last4: string } }>("/screens/api/gift-card", { body: { code } });
  state.giftLines.push({ action, amount, giftCard: sealed.giftCard });
  try {
    await refreshCheckout();
  } catch (error) {
    state.giftLines.pop();
    await refreshCheckout();
    throw error;
  }
  input("gift-line-amount").value = "";
  el("gift-balance").innerHTML = "";
}

export function wireGiftCards(): void {
  el("gift-action").addEventListener("change", () => {
    const action = el<HTMLSelectElement>("gift-action").value;
    selectGiftAction(action);
    focusField(action === "balance" ? "gift-line-code" : "gift-line-amount");
  });
  el("gift-form").addEventListener("submit", (e) => {
    e.preventDefault();
    show("gift-error", "");
    submitGift().then(
      () => show("gift-error", ""),
      (error: unknown) => {
        show("gift-error", problem(error));
        input("gift-line-code").focus();
      },
    );
  });
}
