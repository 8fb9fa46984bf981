import { call } from "./api.ts";
import { refreshReceiptSync } from "./cashier-receipt.ts";
import { el, problem } from "./dom.ts";

/** Every two seconds: the cloud link, the sales waiting to sync, and the receipt's sync tag. */
export async function pollStatus(): Promise<void> {
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
