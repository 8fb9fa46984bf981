/** The page's element with this id, or an error naming it: the screens' markup is the agent's, so a missing id is a bug. */
export function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

export function input(id: string): HTMLInputElement {
  return el<HTMLInputElement>(id);
}

/** Puts a message (or "" to clear it) in the element with this id. */
export function show(id: string, message: string): void {
  el(id).textContent = message;
}

/** What went wrong, as a sentence for the screen. */
export function problem(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Focuses a field with its text selected: what the cashier types replaces the suggested value. */
export function focusField(id: string): void {
  input(id).focus();
  input(id).select();
}

/** Runs `start` once the page is parsed (at once for a deferred script, as the screens load theirs). */
export function whenReady(start: () => void): void {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start, { once: true });
  else start();
}
