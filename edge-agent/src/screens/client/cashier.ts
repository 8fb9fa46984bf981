/**
 * The cashier screen's browser code, bundled by client-scripts.ts into /screens/cashier.js:
 * keyboard first (a scanner types into #scan and presses Enter), state kept in the page, every view
 * rendered by the agent as HTML fragments. It never handles a card number: the terminal route
 * returns tokens.
 */

import { startBalanceCheck, wireGiftCards } from "./cashier-gift.ts";
import { setMode } from "./cashier-mode.ts";
import { printReceipt } from "./cashier-receipt.ts";
import { addExchangeItem, confirmReturn, invalidatePreview, lookup, preview } from "./cashier-returns.ts";
import { addItem, addTender, completeSale, refreshCheckout, resetSale, selectTender } from "./cashier-sale.ts";
import { state } from "./cashier-state.ts";
import { pollStatus } from "./cashier-status.ts";
import { el, focusField, input, problem, show, whenReady } from "./dom.ts";

/** F7 card, F8 cash, F9 gift card (F10: the gift card panel's balance check). */
const TENDER_KEYS: Record<string, string> = { F7: "card", F8: "cash", F9: "gift_card" };

/** Clears the error line, runs the task, and shows its error there if it fails. */
function guard(task: () => Promise<void>, errorId: string): void {
  show(errorId, "");
  task().then(
    () => show(errorId, ""),
    (error: unknown) => show(errorId, problem(error)),
  );
}

function wireSale(): void {
  el("scan-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const code = input("scan").value.trim();
    const qty = Number(input("qty").value || "1");
    if (code === "") {
      // A bare Enter on an empty scan field completes a fully paid sale.
      if (state.complete) void completeSale();
      return;
    }
    if (!Number.isInteger(qty) || qty < 1) {
      show("scan-error", "quantity must be a whole number of at least 1");
      return;
    }
    input("scan").value = "";
    input("qty").value = "1";
    void addItem(code, qty);
    input("scan").focus();
  });

  el("cart").addEventListener("click", (e) => {
    const target = (e.target as HTMLElement).closest<HTMLElement>("button");
    if (!target) return;
    // Gift card lines come after the items in the cart (one card each: no quantity to step).
    if (target.dataset.removeLine !== undefined) {
      const index = Number(target.dataset.removeLine);
      if (index < state.items.length) state.items.splice(index, 1);
      else state.giftLines.splice(index - state.items.length, 1);
    } else if (target.dataset.qtyStep !== undefined) {
      const item = state.items[Number(target.dataset.index)];
      if (!item) return;
      item.quantity += Number(target.dataset.qtyStep);
      if (item.quantity < 1) state.items.splice(Number(target.dataset.index), 1);
    } else return;
    guard(refreshCheckout, "scan-error");
  });

  for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>("[data-tender]"))) {
    b.addEventListener("click", () => {
      selectTender(b.dataset.tender ?? "card");
      focusField(b.dataset.tender === "gift_card" ? "gift-code" : "tender-amount");
    });
  }
  el("tender-form").addEventListener("submit", (e) => {
    e.preventDefault();
    guard(async () => {
      await addTender();
      if (state.complete) el("complete-sale").focus();
      else focusField("tender-amount");
    }, "tender-error");
  });
  el("tenders").addEventListener("click", (e) => {
    const target = (e.target as HTMLElement).closest<HTMLElement>("[data-remove-tender]");
    if (!target) return;
    state.tenders.splice(Number(target.dataset.removeTender), 1);
    guard(refreshCheckout, "tender-error");
  });
  el("complete-sale").addEventListener("click", () => void completeSale());
  el("override-row").addEventListener("submit", (e) => {
    e.preventDefault();
    void completeSale();
  });
  el("new-sale").addEventListener("click", resetSale);
  el("print-receipt").addEventListener("click", printReceipt);
}

function wireReturns(): void {
  // A barcode scanner is a keyboard: it types the receipt number and presses Enter, which submits
  // this form from the lookup field itself (no click, no change of focus). A typed number or
  // transaction id goes the same way.
  el("lookup-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const ref = input("lookup").value.trim();
    if (ref === "") return;
    show("lookup-error", "");
    lookup(ref).then(
      () => show("lookup-error", ""),
      (error: unknown) => {
        show("lookup-error", problem(error));
        // Selected, so the next scan or typing replaces it rather than adding to it.
        input("lookup").select();
      },
    );
  });
  el("return-original").addEventListener("input", invalidatePreview);
  el("return-original").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.target as HTMLElement).matches("[data-return-sku]")) {
      e.preventDefault();
      guard(preview, "return-error");
    }
  });
  el("exchange-scan-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const code = input("exchange-scan").value.trim();
    if (!code) return;
    input("exchange-scan").value = "";
    guard(() => addExchangeItem(code), "exchange-error");
  });
  el("preview-return").addEventListener("click", () => guard(preview, "return-error"));
  el("confirm-return").addEventListener("click", () => void confirmReturn());
}

function wireKeyboard(): void {
  el("mode-sale").addEventListener("click", () => setMode("sale"));
  el("mode-return").addEventListener("click", () => setMode("return"));
  document.addEventListener("keydown", (e) => {
    if (e.key === "F2") {
      e.preventDefault();
      setMode("sale");
    } else if (e.key === "F3") {
      e.preventDefault();
      setMode("return");
    } else if (TENDER_KEYS[e.key] && !el("sale-mode").hidden) {
      // Pick the tender and type its amount.
      e.preventDefault();
      const type = TENDER_KEYS[e.key] as string;
      selectTender(type);
      focusField(type === "gift_card" ? "gift-code" : "tender-amount");
    } else if (e.key === "F10" && !el("sale-mode").hidden) {
      // The balance check: a scanner then types the code and presses Enter.
      e.preventDefault();
      startBalanceCheck();
    } else if (e.key === "F4" && !el("receipt-mode").hidden) {
      e.preventDefault();
      printReceipt();
    } else if (e.key === "Enter" && !el("receipt-mode").hidden && (e.target as HTMLElement).tagName !== "BUTTON") {
      e.preventDefault();
      resetSale();
    }
  });
}

function start(): void {
  wireSale();
  wireGiftCards();
  wireReturns();
  wireKeyboard();
  selectTender("card");
  void refreshCheckout().catch((error: unknown) => show("sale-error", problem(error)));
  void pollStatus();
}

whenReady(start);
