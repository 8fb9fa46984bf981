/**
 * The store manager screen's browser code, bundled by client-scripts.ts into /screens/manager.js:
 * re-fetches the panel (rendered by the agent) every second, signs a manager in and out, and wires
 * the actions that need one (dead-letter retry, pause and resume sync, voiding a lost card).
 */
import { formatAmount } from "./amount.ts";
import { el, problem, whenReady } from "./dom.ts";
import { send } from "./manager-send.ts";

function showSignedIn(): void {
  const section = document.getElementById("managers");
  const signedIn = Boolean(section?.dataset.signedIn);
  el("manager-signin").hidden = signedIn;
  el("manager-controls").hidden = !signedIn;
}

function start(): void {
  const host = el("panel-host");
  let lastError = "";

  // A click whose press and release straddle a swap of the panel is lost, so no swap while a
  // pointer is down on it, and none when nothing changed.
  let pressed = false;
  let shown = "";
  host.addEventListener("pointerdown", () => {
    pressed = true;
  });
  for (const end of ["pointerup", "pointercancel"]) document.addEventListener(end, () => setTimeout(() => (pressed = false), 0));

  async function refresh(): Promise<void> {
    try {
      const res = await fetch("/screens/manager/panel", { headers: { accept: "text/html" } });
      if (!res.ok) throw new Error(`the agent answered ${res.status}`);
      const html = await res.text();
      if (!pressed && html !== shown) {
        host.innerHTML = html;
        shown = html;
      }
      showSignedIn();
      lastError = "";
    } catch (error) {
      lastError = problem(error);
      const note = document.getElementById("retry-error");
      if (note) note.textContent = `register service not answering: ${lastError}`;
    }
  }

  async function loop(): Promise<void> {
    await refresh();
    setTimeout(loop, 1000);
  }

  function act(action: () => Promise<unknown>, noteId: string, button?: HTMLButtonElement): void {
    if (button) button.disabled = true;
    el(noteId).textContent = "";
    action()
      .then(refresh)
      .catch((error: unknown) => {
        el(noteId).textContent = problem(error);
      })
      .finally(() => {
        if (button) button.disabled = false;
      });
  }

  el("manager-signin").addEventListener("submit", (e) => {
    e.preventDefault();
    const pin = el<HTMLInputElement>("signin-pin");
    const body = { managerId: el<HTMLInputElement>("signin-manager").value.trim(), pin: pin.value };
    pin.value = "";
    act(() => send("/api/v1/manager/session", "POST", body), "manager-error");
  });
  el("manager-signout").addEventListener("click", () => act(() => send("/api/v1/manager/session", "DELETE"), "manager-error"));
  el("sync-pause").addEventListener("click", (e) =>
    act(() => send("/api/v1/sync/pause", "POST"), "manager-error", e.currentTarget as HTMLButtonElement),
  );
  el("sync-resume").addEventListener("click", (e) =>
    act(() => send("/api/v1/sync/resume", "POST"), "manager-error", e.currentTarget as HTMLButtonElement),
  );

  // A card's number goes to the agent's seal route only, and is cleared at once; the void names it sealed.
  el("void-card").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = el<HTMLInputElement>("void-number");
    const number = input.value.replace(/\s+/g, "");
    input.value = "";
    const kind = el<HTMLSelectElement>("void-kind").value;
    const reason = el<HTMLInputElement>("void-reason").value.trim();
    el("void-result").textContent = "";
    act(
      async () => {
        const sealed = (await send("/api/v1/stored-value/seal", "POST", { kind, number })) as { sealed: string };
        const managerId = document.getElementById("managers")?.dataset.signedIn ?? "";
        const voided = (await send("/api/v1/stored-value/void", "POST", {
          kind,
          sealed: sealed.sealed,
          cashierId: managerId || "manager",
          reason,
        })) as { last4: string; amount: { amount: number; currency: string } };
        el("void-result").textContent =
          `Voided •••• ${voided.last4}: ${formatAmount(voided.amount)} ${voided.amount.currency} taken off; it can no longer be spent.`;
      },
      "manager-error",
      (e.currentTarget as HTMLFormElement).querySelector("button") ?? undefined,
    );
  });

  host.addEventListener("click", (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>("[data-retry-seq]");
    if (!button) return;
    act(
      () => send(`/screens/api/dead-letters/${encodeURIComponent(button.dataset.retrySeq ?? "")}/retry`, "POST"),
      // Outside the live panel, so the next refresh does not wipe the message.
      "manager-error",
      button,
    );
  });

  showSignedIn();
  void loop();
}

whenReady(start);
