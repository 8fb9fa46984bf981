/**
 * The cashier screen's browser code, served as /screens/cashier.js (see serialize.ts): keyboard
 * first (a scanner types into #scan and presses Enter), state kept here, every view rendered by
 * the agent as HTML fragments. It never handles a card number: the terminal route returns tokens.
 */
export function cashierClient(): void {
  type Money = { amount: number; currency: string };
  type Line = { sku: string; description: string; quantity: number; unitPrice: Money; tax: Money };
  type Tender = Record<string, unknown> & { type: string; amount: Money };
  interface CheckoutAnswer {
    cartHtml: string;
    totalsHtml: string;
    tendersHtml: string;
    lines: Line[];
    currency: string;
    settlement: { remaining: Money; complete: boolean } | null;
  }

  const el = <T extends HTMLElement = HTMLElement>(id: string): T => {
    const found = document.getElementById(id);
    if (!found) throw new Error(`the page has no #${id}`);
    return found as T;
  };
  const input = (id: string) => el<HTMLInputElement>(id);

  const state = {
    items: [] as Array<{ sku: string; quantity: number }>,
    tenders: [] as Tender[],
    lines: [] as Line[],
    currency: "USD",
    remaining: null as Money | null,
    complete: false,
    tenderType: "card",
    saleKey: "",
    busy: false,
    returnTx: "",
    exchangeLines: [] as Line[],
    previewKind: "" as "" | "return" | "exchange",
    previewNet: null as Money | null,
    returnKey: "",
    receiptId: "",
  };

  class ApiProblem extends Error {
    constructor(
      message: string,
      readonly status = 0,
      readonly code = "",
    ) {
      super(message);
    }
  }
  /** Counts cart renders (on #cart as data-version) so anything watching the screen knows it is up to date. */
  let renders = 0;

  async function call<T>(path: string, init?: { method?: string; body?: unknown; key?: string }): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (init?.body !== undefined) headers["content-type"] = "application/json";
    if (init?.key) headers["idempotency-key"] = init.key;
    const res = await fetch(path, {
      method: init?.method ?? (init?.body === undefined ? "GET" : "POST"),
      headers,
      body: init?.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch (error) {
        throw new ApiProblem(`the agent answered ${res.status} with something that is not JSON (${String(error)})`);
      }
    }
    if (!res.ok) {
      const b = body as { error?: { message?: string; code?: string } | string; message?: string } | null;
      const message = typeof b?.error === "object" ? b.error.message : (b?.message ?? `the agent answered ${res.status}`);
      const code = typeof b?.error === "object" ? (b.error.code ?? "") : (b?.error ?? "");
      throw new ApiProblem(message ?? `the agent answered ${res.status}`, res.status, code);
    }
    return body as T;
  }

  function show(id: string, message: string): void {
    el(id).textContent = message;
  }

  function problem(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
  }

  /** "12.34" or "12" -> 1234 minor units; empty -> null; anything else -> an error naming the field. */
  function parseAmount(text: string, currency: string): Money | null {
    const t = text.trim().replace(/^[$€£]/, "");
    if (t === "") return null;
    const m = /^(\d{1,7})(?:[.,](\d{1,2}))?$/.exec(t);
    if (!m) throw new ApiProblem("enter the amount like 12.50");
    const cents = Number(m[1]) * 100 + Number((m[2] ?? "0").padEnd(2, "0"));
    return { amount: cents, currency };
  }

  function formatAmount(m: Money): string {
    return `${Math.floor(m.amount / 100)}.${String(m.amount % 100).padStart(2, "0")}`;
  }

  function newKey(): string {
    return crypto.randomUUID();
  }

  // ---------- sale ----------

  async function refreshCheckout(): Promise<void> {
    const answer = await call<CheckoutAnswer>("/screens/api/checkout", { body: { items: state.items, tenders: state.tenders } });
    state.items = answer.lines.map((l) => ({ sku: l.sku, quantity: l.quantity }));
    state.lines = answer.lines;
    state.currency = answer.currency;
    state.remaining = answer.settlement?.remaining ?? null;
    state.complete = answer.settlement?.complete ?? false;
    el("cart").innerHTML = answer.cartHtml;
    el("cart").dataset.version = String(++renders);
    el("checkout-totals").innerHTML = answer.totalsHtml;
    el("tenders").innerHTML = answer.tendersHtml;
    input("tender-amount").value = state.remaining && state.remaining.amount > 0 ? formatAmount(state.remaining) : "";
    el<HTMLButtonElement>("complete-sale").disabled = !state.complete || state.busy;
  }

  async function addItem(code: string, quantity: number): Promise<void> {
    const before = state.items.slice();
    state.items.push({ sku: code, quantity });
    try {
      await refreshCheckout();
      show("scan-error", "");
    } catch (error) {
      state.items = before;
      show("scan-error", problem(error));
      el("cart").dataset.version = String(++renders);
    }
  }

  function selectTender(type: string): void {
    state.tenderType = type;
    for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>("[data-tender]"))) {
      b.setAttribute("aria-pressed", String(b.dataset.tender === type));
    }
    for (const row of Array.from(document.querySelectorAll<HTMLElement>("[data-for]"))) row.hidden = row.dataset.for !== type;
    const labels: Record<string, [string, string]> = {
      card: ["Amount to charge", "Charge card"],
      cash: ["Cash handed over", "Take cash"],
      gift_card: ["Amount from the gift card", "Use gift card"],
    };
    const [label, button] = labels[type] ?? ["Amount", "Add"];
    el("tender-amount-label").textContent = label;
    el("add-tender").textContent = button;
  }

  async function addTender(): Promise<void> {
    if (state.lines.length === 0) throw new ApiProblem("scan an item first");
    const amount = parseAmount(input("tender-amount").value, state.currency) ?? state.remaining;
    if (!amount || amount.amount <= 0) throw new ApiProblem("nothing is due; complete the sale");
    if (state.tenderType === "card") {
      const approval = await call<{ tender: Tender }>("/screens/api/terminal", {
        body: { amount, card: el<HTMLSelectElement>("card-choice").value, entryMode: el<HTMLSelectElement>("entry-mode").value },
      });
      state.tenders.push(approval.tender);
    } else if (state.tenderType === "cash") {
      state.tenders.push({ type: "cash", amount, tendered: amount });
    } else {
      const gift = await call<{ giftCard: { token: string; last4: string } }>("/screens/api/gift-card", {
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

  async function completeSale(): Promise<void> {
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
          show(
            "sale-error",
            `the manager could not be signed out (${problem(error)}); the sign-in ends by itself within minutes`,
          ),
        );
      }
      state.busy = false;
      el<HTMLButtonElement>("complete-sale").disabled = !state.complete;
    }
  }

  async function showReceipt(transactionId: string): Promise<void> {
    const r = await call<{ html: string }>(`/screens/cashier/receipt/${encodeURIComponent(transactionId)}`);
    el("receipt").innerHTML = r.html;
    state.receiptId = transactionId;
    setMode("receipt");
    el("new-sale").focus();
  }

  /** While a receipt is on screen, its "waiting to sync" tag turns into "synced" once the cloud has it. */
  async function refreshReceiptSync(): Promise<void> {
    if (el("receipt-mode").hidden || !state.receiptId) return;
    if (document.querySelector("#receipt-sync .tag.acked")) return;
    const r = await call<{ html: string }>(`/screens/cashier/receipt/${encodeURIComponent(state.receiptId)}`);
    if (!el("receipt-mode").hidden) el("receipt").innerHTML = r.html;
  }

  function resetSale(): void {
    state.items = [];
    state.tenders = [];
    state.saleKey = "";
    el("override-row").hidden = true;
    input("override-manager").value = "";
    input("override-pin").value = "";
    void refreshCheckout().catch((error: unknown) => show("sale-error", problem(error)));
    setMode("sale");
  }

  // ---------- returns and exchanges ----------

  function returnItems(): Array<{ transactionId: string; sku: string; quantity: number }> {
    const items: Array<{ transactionId: string; sku: string; quantity: number }> = [];
    for (const f of Array.from(document.querySelectorAll<HTMLInputElement>("[data-return-sku]"))) {
      const q = Number(f.value);
      if (Number.isInteger(q) && q > 0)
        items.push({ transactionId: f.dataset.transactionId ?? "", sku: f.dataset.returnSku ?? "", quantity: q });
    }
    return items;
  }

  function invalidatePreview(): void {
    state.previewKind = "";
    state.previewNet = null;
    state.returnKey = "";
    el<HTMLButtonElement>("confirm-return").disabled = true;
  }

  async function lookup(id: string): Promise<void> {
    const r = await call<{ html: string; transactionId: string }>(
      `/screens/cashier/return-original/${encodeURIComponent(id.trim())}`,
    );
    state.returnTx = r.transactionId;
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

  async function addExchangeItem(code: string): Promise<void> {
    const items = [...state.exchangeLines.map((l) => ({ sku: l.sku, quantity: l.quantity })), { sku: code, quantity: 1 }];
    const answer = await call<CheckoutAnswer>("/screens/api/checkout", { body: { items, tenders: [] } });
    state.exchangeLines = answer.lines;
    renderExchangeItems();
    invalidatePreview();
  }

  async function preview(): Promise<void> {
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

  async function confirmReturn(): Promise<void> {
    if (!state.previewKind || state.busy) return;
    state.busy = true;
    const button = el<HTMLButtonElement>("confirm-return");
    button.disabled = true;
    state.returnKey ||= newKey();
    try {
      const items = returnItems();
      const cashierId = input("cashier-id").value;
      const reason = input("return-reason").value || "customer return";
      let recorded: { transactionId: string };
      if (state.previewKind === "return") {
        recorded = await call("/api/v1/returns", { body: { cashierId, items, reason }, key: state.returnKey });
      } else {
        const tenders: Tender[] = [];
        const net = state.previewNet;
        if (net && net.amount > 0) {
          if (el<HTMLSelectElement>("exchange-pay-by").value === "card") {
            const approval = await call<{ tender: Tender }>("/screens/api/terminal", {
              body: { amount: net, card: "visa", entryMode: "chip" },
            });
            tenders.push(approval.tender);
          } else {
            tenders.push({ type: "cash", amount: net, tendered: net });
          }
        }
        recorded = await call("/api/v1/exchanges", {
          body: { cashierId, returnItems: items, lines: state.exchangeLines, tenders, reason },
          key: state.returnKey,
        });
      }
      show("return-error", "");
      state.exchangeLines = [];
      renderExchangeItems();
      el("return-original").innerHTML = '<p class="empty">Find the original receipt to choose what comes back.</p>';
      el("return-preview").innerHTML = "";
      invalidatePreview();
      await showReceipt(recorded.transactionId);
    } catch (error) {
      show("return-error", problem(error));
      button.disabled = false;
    } finally {
      state.busy = false;
    }
  }

  // ---------- modes, banner, keyboard ----------

  function setMode(mode: "sale" | "return" | "receipt"): void {
    el("sale-mode").hidden = mode !== "sale";
    el("return-mode").hidden = mode !== "return";
    el("receipt-mode").hidden = mode !== "receipt";
    el("mode-sale").setAttribute("aria-pressed", String(mode === "sale"));
    el("mode-return").setAttribute("aria-pressed", String(mode === "return"));
    if (mode === "sale") input("scan").focus();
    if (mode === "return") input("lookup").focus();
  }

  async function pollStatus(): Promise<void> {
    try {
      const s = await call<{ online: boolean; pending: number; noun: string }>("/screens/api/status");
      el("offline-banner").hidden = s.online;
      el("offline-pending").textContent = String(s.pending);
      el("offline-pending-noun").textContent = s.noun;
      const pill = el("link-state");
      pill.textContent = s.online ? "Cloud connected" : "Offline";
      pill.className = `pill ${s.online ? "online" : "offline"}`;
      pill.dataset.online = String(s.online);
      await refreshReceiptSync();
    } catch (error) {
      // The agent itself is unreachable (restarting): say so where the cashier looks.
      el("offline-banner").hidden = false;
      el("offline-pending").textContent = "?";
      el("offline-pending-noun").textContent = `transactions (register service not answering: ${problem(error)})`;
    } finally {
      setTimeout(pollStatus, 2000);
    }
  }

  /** Focuses a field with its text selected: what the cashier types replaces the suggested amount. */
  function focusField(id: string): void {
    input(id).focus();
    input(id).select();
  }

  function guard(task: () => Promise<void>, errorId: string): void {
    show(errorId, "");
    task().then(
      () => show(errorId, ""),
      (error: unknown) => show(errorId, problem(error)),
    );
  }

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
    if (target.dataset.removeLine !== undefined) state.items.splice(Number(target.dataset.removeLine), 1);
    else if (target.dataset.qtyStep !== undefined) {
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
  el("mode-sale").addEventListener("click", () => setMode("sale"));
  el("mode-return").addEventListener("click", () => setMode("return"));

  el("lookup-form").addEventListener("submit", (e) => {
    e.preventDefault();
    guard(() => lookup(input("lookup").value), "lookup-error");
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

  const TENDER_KEYS: Record<string, string> = { F7: "card", F8: "cash", F9: "gift_card" };
  document.addEventListener("keydown", (e) => {
    if (e.key === "F2") {
      e.preventDefault();
      setMode("sale");
    } else if (e.key === "F3") {
      e.preventDefault();
      setMode("return");
    } else if (TENDER_KEYS[e.key] && !el("sale-mode").hidden) {
      // F7 card, F8 cash, F9 gift card: pick the tender and type its amount.
      e.preventDefault();
      const type = TENDER_KEYS[e.key] as string;
      selectTender(type);
      focusField(type === "gift_card" ? "gift-code" : "tender-amount");
    } else if (e.key === "Enter" && !el("receipt-mode").hidden && (e.target as HTMLElement).tagName !== "BUTTON") {
      e.preventDefault();
      resetSale();
    }
  });

  selectTender("card");
  void refreshCheckout().catch((error: unknown) => show("sale-error", problem(error)));
  void pollStatus();
}
