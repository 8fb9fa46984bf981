import type { Page } from "playwright-core";

/** The store manager's screen: what it shows, read the way a person reads it. */
export class ManagerScreen {
  constructor(readonly page: Page) {}

  async stat(id: "count-pending" | "count-acked" | "count-dead" | "oldest-pending" | "drain-rate"): Promise<string> {
    return ((await this.page.textContent(`#${id}`)) ?? "").trim();
  }

  /** The sync state shown for a transaction in "Recent activity": "waiting", "synced", "dead letter", or null if absent. */
  async stateOf(transactionId: string): Promise<string | null> {
    const row = this.page.locator(`#recent tr[data-transaction-id="${transactionId}"] .tag`);
    if ((await row.count()) === 0) return null;
    return ((await row.first().textContent()) ?? "").trim();
  }

  async deadLetters(): Promise<Array<{ seq: string; reason: string }>> {
    return this.page.$$eval("#dead-letters tr[data-seq]", (rows) =>
      rows.map((r) => ({
        seq: r.getAttribute("data-seq") ?? "",
        reason: (r.querySelector(".dead-reason")?.textContent ?? "").trim(),
      })),
    );
  }

  async regions(): Promise<Array<{ name: string; state: string; lastError: string }>> {
    return this.page.$$eval("#regions tr[data-region]", (rows) =>
      rows.map((r) => {
        const cells = r.querySelectorAll("td");
        return {
          name: r.getAttribute("data-region") ?? "",
          state: (cells[1]?.textContent ?? "").trim(),
          lastError: (cells[3]?.textContent ?? "").trim(),
        };
      }),
    );
  }

  /** The region's reconciliation exceptions as listed: kind and the sentence shown. */
  async exceptions(): Promise<Array<{ kind: string; detail: string }>> {
    return this.page.$$eval("table#exceptions tr", (rows) =>
      rows.map((r) => {
        const cells = r.querySelectorAll("td");
        return { kind: (cells[0]?.textContent ?? "").trim(), detail: (cells[1]?.textContent ?? "").trim() };
      }),
    );
  }

  /** A manager signs in with id and PIN on this screen; resolves once the screen shows the manager's controls. */
  async signIn(managerId: string, pin: string): Promise<void> {
    await this.page.fill("#signin-manager", managerId);
    await this.page.fill("#signin-pin", pin);
    await this.page.press("#signin-pin", "Enter");
    await this.page.waitForSelector("#manager-controls", { state: "visible" });
  }

  async error(): Promise<string> {
    return ((await this.page.textContent("#manager-error")) ?? "").trim();
  }
}
