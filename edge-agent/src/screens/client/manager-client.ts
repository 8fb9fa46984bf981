/**
 * The store manager screen's browser code, served as /screens/manager.js: re-fetches the panel
 * (rendered by the agent) every second and wires the dead-letter retry buttons.
 */
export function managerClient(): void {
  const host = document.getElementById("panel-host");
  if (!host) throw new Error("the page has no #panel-host");
  let lastError = "";

  async function refresh(): Promise<void> {
    try {
      const res = await fetch("/screens/manager/panel", { headers: { accept: "text/html" } });
      if (!res.ok) throw new Error(`the agent answered ${res.status}`);
      const html = await res.text();
      if (host) host.innerHTML = html;
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

  host.addEventListener("click", (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>("[data-retry-seq]");
    if (!button) return;
    button.disabled = true;
    fetch(`/screens/api/dead-letters/${encodeURIComponent(button.dataset.retrySeq ?? "")}/retry`, { method: "POST" })
      .then(async (res) => {
        if (!res.ok) {
          const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
          throw new Error(body?.error?.message ?? `the agent answered ${res.status}`);
        }
        await refresh();
      })
      .catch((error: unknown) => {
        button.disabled = false;
        const note = document.getElementById("retry-error");
        if (note) note.textContent = error instanceof Error ? error.message : String(error);
      });
  });

  void loop();
}
