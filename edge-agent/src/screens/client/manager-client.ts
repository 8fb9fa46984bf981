/**
 * The store manager screen's browser code, served as /screens/manager.js: re-fetches the panel
 * (rendered by the agent) every second, signs a manager in and out, and wires the actions that
 * need one (dead-letter retry, pause and resume sync).
 */
export function managerClient(): void {
  const host = document.getElementById("panel-host");
  if (!host) throw new Error("the page has no #panel-host");
  let lastError = "";

  const byId = <T extends HTMLElement = HTMLElement>(id: string): T => {
    const found = document.getElementById(id);
    if (!found) throw new Error(`the page has no #${id}`);
    return found as T;
  };

  /** Every change is JSON from this page: the agent refuses anything else as a possible forgery. */
  async function send(path: string, method: string, body: unknown = {}): Promise<unknown> {
    const res = await fetch(path, {
      method,
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
    });
    const answer = (await res.json().catch((error: unknown) => ({ error: { message: String(error) } }))) as {
      error?: { message?: string };
    } | null;
    if (!res.ok) throw new Error(answer?.error?.message ?? `the agent answered ${res.status}`);
    return answer;
  }

  function showSignedIn(): void {
    const section = document.getElementById("managers");
    const signedIn = Boolean(section?.dataset.signedIn);
    byId("manager-signin").hidden = signedIn;
    byId("manager-controls").hidden = !signedIn;
  }

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
      if (host && !pressed && html !== shown) {
        host.innerHTML = html;
        shown = html;
      }
      showSignedIn();
      lastError = "";
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
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
    byId(noteId).textContent = "";
    action()
      .then(refresh)
      .catch((error: unknown) => {
        byId(noteId).textContent = error instanceof Error ? error.message : String(error);
      })
      .finally(() => {
        if (button) button.disabled = false;
      });
  }

  byId("manager-signin").addEventListener("submit", (e) => {
    e.preventDefault();
    const pin = byId<HTMLInputElement>("signin-pin");
    const body = { managerId: byId<HTMLInputElement>("signin-manager").value.trim(), pin: pin.value };
    pin.value = "";
    act(() => send("/api/v1/manager/session", "POST", body), "manager-error");
  });
  byId("manager-signout").addEventListener("click", () => act(() => send("/api/v1/manager/session", "DELETE"), "manager-error"));
  byId("sync-pause").addEventListener("click", (e) =>
    act(() => send("/api/v1/sync/pause", "POST"), "manager-error", e.currentTarget as HTMLButtonElement),
  );
  byId("sync-resume").addEventListener("click", (e) =>
    act(() => send("/api/v1/sync/resume", "POST"), "manager-error", e.currentTarget as HTMLButtonElement),
  );

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
