import type { Page } from "playwright-core";

/**
 * Poll on a timer, not on animation frames: a screen in a background tab (the manager's, while
 * the cashier works) gets no animation frames at all.
 */
export const POLL = { polling: 100 } as const;

/**
 * The cashier screen as a person uses it: a scanner types into the scan field and presses Enter,
 * the cashier picks a tender, types an amount and presses Enter, and so on.
 */
export class CashierScreen {
  constructor(readonly page: Page) {}

  /** The cashier looks at this screen: it is the front tab (a background tab's page barely renders). */
  private async front(): Promise<void> {
    await this.page.bringToFront();
  }

  private async version(): Promise<string> {
    return (await this.page.getAttribute("#cart", "data-version")) ?? "";
  }

  /** Scans (types and presses Enter); throws with the screen's message if the item is refused. */
  async scan(code: string, quantity = 1): Promise<void> {
    await this.front();
    const before = await this.version();
    if (quantity !== 1) await this.page.fill("#qty", String(quantity));
    await this.page.fill("#scan", code);
    await this.page.press("#scan", "Enter");
    await this.page.waitForFunction((v) => document.getElementById("cart")?.dataset.version !== v, before, POLL);
    const error = ((await this.page.textContent("#scan-error")) ?? "").trim();
    if (error) throw new Error(`the scan was refused: ${error}`);
  }

  async total(): Promise<string> {
    return (await this.page.textContent("#total"))?.trim() ?? "";
  }

  private async tender(type: "card" | "cash" | "gift_card", amount?: string): Promise<void> {
    await this.front();
    await this.page.click(`[data-tender="${type}"]`);
    if (amount !== undefined) await this.page.fill("#tender-amount", amount);
    const before = await this.page.locator("#tenders tr").count();
    await this.page.press("#tender-amount", "Enter");
    await this.page.waitForFunction(
      (n) =>
        document.querySelectorAll("#tenders tr").length > n ||
        (document.getElementById("tender-error")?.textContent ?? "") !== "",
      before,
      POLL,
    );
    const error = (await this.page.textContent("#tender-error"))?.trim();
    if (error) throw new Error(`the tender was refused: ${error}`);
  }

  async payCard(amount?: string, card: "visa" | "mastercard" | "amex" | "discover" = "visa"): Promise<void> {
    await this.page.click('[data-tender="card"]');
    await this.page.selectOption("#card-choice", card);
    await this.tender("card", amount);
  }

  async payCash(amount: string): Promise<void> {
    await this.tender("cash", amount);
  }

  async payGiftCard(code: string, amount?: string): Promise<void> {
    await this.page.click('[data-tender="gift_card"]');
    await this.page.fill("#gift-code", code);
    await this.tender("gift_card", amount);
  }

  /** Completes the paid sale and returns the receipt number shown. */
  async complete(): Promise<string> {
    await this.front();
    await this.page.waitForSelector("#complete-sale:not([disabled])");
    await this.page.click("#complete-sale");
    await this.page.waitForSelector("#receipt-id", { state: "visible" });
    return ((await this.page.textContent("#receipt-id")) ?? "").trim();
  }

  async newSale(): Promise<void> {
    await this.page.keyboard.press("Enter");
    await this.page.waitForSelector("#sale-mode", { state: "visible" });
    await this.page.waitForFunction(() => document.querySelectorAll("#cart tbody tr").length === 0, undefined, POLL);
  }

  /** A whole sale: scan, pay, complete; back on a fresh sale afterwards. */
  async sell(items: Array<[string, number]>, pay: (screen: CashierScreen) => Promise<void>): Promise<string> {
    for (const [code, qty] of items) await this.scan(code, qty);
    await pay(this);
    const id = await this.complete();
    await this.newSale();
    return id;
  }

  async bannerCount(): Promise<{ visible: boolean; count: string }> {
    return {
      visible: await this.page.isVisible("#offline-banner"),
      count: ((await this.page.textContent("#offline-pending")) ?? "").trim(),
    };
  }
}
