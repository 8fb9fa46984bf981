import { ExchangeCompletedSchema, ReceiptViewSchema, ReturnCompletedSchema, SaleCompletedSchema } from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { activateGiftCard, api, DEMO_MANAGER } from "../chain/index.ts";
import { type Browser, eventually, launchBrowser, screenshot } from "./browser.ts";
import { CashierScreen, POLL } from "./cashier.ts";
import { ManagerScreen } from "./manager.ts";
import { type Stack, startStack } from "./stack.ts";

describe("cashier and manager screens in Chromium, against the real chain", () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startStack("screens");
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it("a return of part of a split-tender sale shows the allocation to the original tenders before confirming, and records it", async () => {
    const cashier = new CashierScreen(await browser.open(`${stack.agentUrl}/cashier`));
    // Hoodie 49.99 + 4.12 tax, two tees 39.98 + 3.30 tax: 97.39, paid 60.00 by card and the rest in cash.
    await cashier.scan("HOOD-M-GRY");
    await cashier.scan("084215100014", 2);
    expect(await cashier.total()).toBe("$97.39");
    await cashier.payCard("60.00", "mastercard");
    await cashier.payCash("40.00");
    expect((await cashier.page.textContent("#change-due"))?.trim()).toBe("$2.61");
    const saleId = await cashier.complete();
    const receiptText = (await cashier.page.textContent("#receipt")) ?? "";
    expect(receiptText).toContain("Mastercard •••• 4444");
    expect(receiptText).toContain("$2.61");
    await cashier.newSale();

    // Return one tee and the hoodie: 19.99 + 1.65 + 49.99 + 4.12 = 75.75; the card (60.00) first, then cash.
    await cashier.page.keyboard.press("F3");
    await cashier.page.fill("#lookup", saleId);
    await cashier.page.press("#lookup", "Enter");
    await cashier.page.fill('[data-return-sku="TEE-M-BLK"]', "1");
    await cashier.page.fill('[data-return-sku="HOOD-M-GRY"]', "1");
    await cashier.page.click("#preview-return");
    await cashier.page.waitForSelector("#allocation");
    expect((await cashier.page.textContent("#preview-refund"))?.trim()).toBe("$75.75");
    const shown = await cashier.page.$$eval("#allocation tbody tr", (rows) =>
      rows.map((r) => Array.from(r.querySelectorAll("td")).map((td) => (td.textContent ?? "").trim())),
    );
    expect(shown).toEqual([
      ["Mastercard •••• 4444", "$60.00"],
      ["Cash", "$15.75"],
    ]);
    await screenshot(cashier.page, "cashier-return-preview");
    // Nothing is recorded until the cashier confirms.
    const before = await api(`${stack.agentUrl}/api/v1/transactions/${saleId}`, ReceiptViewSchema);
    expect(before.tenders.every((t) => t.refunded.amount === 0)).toBe(true);

    await cashier.page.click("#confirm-return");
    await cashier.page.waitForSelector('#receipt [data-kind="return"]');
    const returnId = ((await cashier.page.textContent("#receipt-id")) ?? "").trim();
    expect(returnId).not.toBe(saleId);
    expect((await cashier.page.textContent("#receipt-refund"))?.trim()).toBe("$75.75");

    const after = await api(`${stack.agentUrl}/api/v1/transactions/${saleId}`, ReceiptViewSchema);
    expect(after.tenders.map((t) => [t.type, t.refunded.amount])).toEqual([
      ["card", 6000],
      ["cash", 1575],
    ]);
    expect(after.lines.find((l) => l.sku === "TEE-M-BLK")?.returnable).toBe(1);
    const recorded = await api(`${stack.agentUrl}/api/v1/transactions/${returnId}`, ReceiptViewSchema);
    expect(recorded.kind).toBe("return");
    expect(ReturnCompletedSchema.parse(recorded.receipt).allocation.map((a) => [a.tenderType, a.amount.amount])).toEqual([
      ["card", 6000],
      ["cash", 1575],
    ]);
    expect(browser.problems).toEqual([]);
  });

  it("an exchange for a dearer item takes the difference, keyboard first", async () => {
    const cashier = new CashierScreen(await browser.open(`${stack.agentUrl}/cashier`));
    await cashier.scan("CAP-NVY");
    await cashier.payCash("30");
    const saleId = await cashier.complete();
    await cashier.newSale();
    await cashier.page.keyboard.press("F3");
    await cashier.page.fill("#lookup", saleId);
    await cashier.page.press("#lookup", "Enter");
    await cashier.page.fill('[data-return-sku="CAP-NVY"]', "1");
    await cashier.page.fill("#exchange-scan", "BOTTLE-750");
    await cashier.page.press("#exchange-scan", "Enter");
    await cashier.page.waitForSelector("#exchange-items li");
    await cashier.page.click("#preview-return");
    await cashier.page.waitForSelector('#preview[data-kind="exchange"]');
    // Bottle 24.95 + 2.06 tax = 27.01 against the cap's 22.50 + 1.86 = 24.36: the customer pays 2.65.
    expect((await cashier.page.textContent("#preview-net"))?.trim()).toBe("$2.65");
    await cashier.page.selectOption("#exchange-pay-by", "cash");
    await cashier.page.click("#confirm-return");
    await cashier.page.waitForSelector('#receipt [data-kind="exchange"]');
    const exchangeId = ((await cashier.page.textContent("#receipt-id")) ?? "").trim();
    const recorded = await api(`${stack.agentUrl}/api/v1/transactions/${exchangeId}`, ReceiptViewSchema);
    expect(recorded.kind).toBe("exchange");
    expect(ExchangeCompletedSchema.parse(recorded.receipt).net.amount).toBe(265);
    expect(browser.problems).toEqual([]);
  });

  it("never shows more than the last four digits of a card, and refuses a card number typed as a gift card", async () => {
    const cashier = new CashierScreen(await browser.open(`${stack.agentUrl}/cashier`));
    await cashier.scan("SOCK-3PK");
    await cashier.page.click('[data-tender="gift_card"]');
    await cashier.page.fill("#gift-code", "4111111111111111");
    await cashier.page.press("#tender-amount", "Enter");
    await cashier.page.waitForFunction(
      () => (document.getElementById("tender-error")?.textContent ?? "") !== "",
      undefined,
      POLL,
    );
    expect(await cashier.page.textContent("#tender-error")).toContain("looks like a payment card number");
    expect(await cashier.page.textContent("body")).not.toContain("4111111111111111");
    // The gift card was sold (activated with 5.00) before: a card the cloud never activated is refused.
    await activateGiftCard(stack.agentUrl, "GC-7788-1234", 500);
    await cashier.payGiftCard("GC-7788-1234", "5.00");
    await cashier.payCard(undefined, "discover");
    const id = await cashier.complete();
    const text = (await cashier.page.textContent("body")) ?? "";
    expect(text).toContain("Gift card •••• 1234");
    expect(text).toContain("Discover •••• 1117");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    // The page's text runs together: a transaction id ending in digits beside a date such as
    // "12/1/2026" would read as a long number, so the id is taken out before looking for one.
    expect(text.replaceAll(id, " ")).not.toMatch(/\d{13,19}/);
  });

  it("writes screenshots of both screens at 1280x800, readable and uncluttered", async () => {
    const cashier = new CashierScreen(await browser.open(`${stack.agentUrl}/cashier`));
    await cashier.scan("TEE-M-BLK", 2);
    await cashier.scan("MUG-LOGO");
    await cashier.scan("084215100090", 3);
    await cashier.payCard("30.00");
    await cashier.page.click('[data-tender="cash"]');
    await cashier.page.fill("#tender-amount", "");
    await cashier.page.focus("#tender-amount");
    const cashierShot = await screenshot(cashier.page, "cashier-1280x800");
    // Readable: the things a cashier looks for are on screen, not clipped, at a legible size.
    for (const selector of ["#scan", "#total", "#amount-due", "#complete-sale", "#tenders"]) {
      const box = await cashier.page.locator(selector).boundingBox();
      expect(box, selector).not.toBeNull();
      expect((box?.y ?? 0) + (box?.height ?? 0), `${selector} fits in 800 px`).toBeLessThanOrEqual(800);
      expect((box?.x ?? 0) + (box?.width ?? 0), `${selector} fits in 1280 px`).toBeLessThanOrEqual(1280);
    }
    const totalSize = await cashier.page.$eval("#total", (e) => Number.parseFloat(getComputedStyle(e).fontSize));
    expect(totalSize).toBeGreaterThanOrEqual(20);
    const overflow = await cashier.page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    expect(overflow).toBe(false);

    const manager = new ManagerScreen(await browser.open(`${stack.agentUrl}/manager`));
    await manager.page.waitForSelector("#count-pending");
    const managerShot = await screenshot(manager.page, "manager-1280x800");
    for (const selector of ["#count-pending", "#count-dead", "#regions", "#dead-letters", "#offline-cards"]) {
      const box = await manager.page.locator(selector).first().boundingBox();
      expect(box, selector).not.toBeNull();
      expect((box?.x ?? 0) + (box?.width ?? 0), `${selector} fits in 1280 px`).toBeLessThanOrEqual(1280);
    }
    expect(await manager.page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)).toBe(false);
    expect(cashierShot).toMatch(/cashier-1280x800\.png$/);
    expect(managerShot).toMatch(/manager-1280x800\.png$/);
    expect(browser.problems).toEqual([]);
  });

  it("a whole sale by keyboard alone: scan and Enter, F8 cash and Enter, Enter to complete, Enter for the next sale", async () => {
    const page = await browser.open(`${stack.agentUrl}/cashier`);
    const rows = (n: number) =>
      page.waitForFunction((want) => document.querySelectorAll("#cart tbody tr").length === want, n, POLL);
    // The scan field has the focus from the start, as a scanner expects.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("scan");
    await page.keyboard.type("084215100014");
    await page.keyboard.press("Enter");
    await rows(1);
    await page.keyboard.type("SOCK-3PK");
    await page.keyboard.press("Enter");
    await rows(2);
    // Tee 19.99 + 1.65, socks 12.00 + 0.99: 34.63.
    expect((await page.textContent("#total"))?.trim()).toBe("$34.63");
    await page.keyboard.press("F8");
    await page.keyboard.type("40");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#change-due");
    expect((await page.textContent("#change-due"))?.trim()).toBe("$5.37");
    await page.waitForFunction(() => document.activeElement?.id === "complete-sale", undefined, POLL);
    await page.keyboard.press("Enter");
    await page.waitForSelector("#receipt-id", { state: "visible" });
    expect(await page.textContent("#receipt")).toContain("$5.37");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#sale-mode", { state: "visible" });
    await rows(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("scan");
    expect(browser.problems).toEqual([]);
  });

  // Last: it takes the regions down for good.
  it("offline, a card over the offline limit is refused until a manager approves with their PIN; the sale records only their id", async () => {
    await stack.stopRegions();
    const cashier = new CashierScreen(await browser.open(`${stack.agentUrl}/cashier`));
    await eventually(
      () => cashier.page.getAttribute("#link-state", "data-online"),
      (v) => v === "false",
      "the link pill offline",
    );
    // Six hoodies: 299.94 + 24.75 tax = 324.69, over the 250.00 a card may be approved offline.
    await cashier.scan("HOOD-M-GRY", 6);
    await cashier.payCard();
    await cashier.page.click("#complete-sale");
    await cashier.page.waitForSelector("#override-row", { state: "visible" });
    expect(await cashier.page.textContent("#sale-error")).toContain("manager's approval");
    expect(await cashier.page.isVisible("#receipt-id")).toBe(false);

    // A wrong PIN is refused and nothing is recorded.
    await cashier.page.fill("#override-manager", DEMO_MANAGER.id);
    await cashier.page.fill("#override-pin", "000000");
    await cashier.page.press("#override-pin", "Enter");
    await eventually(
      () => cashier.page.textContent("#sale-error"),
      (t) => (t ?? "").includes("not recognised"),
      "the wrong PIN refused",
    );
    expect(await cashier.page.isVisible("#receipt-id")).toBe(false);

    await cashier.page.fill("#override-pin", DEMO_MANAGER.pin);
    await cashier.page.press("#override-pin", "Enter");
    await cashier.page.waitForSelector("#receipt-id", { state: "visible" });
    const id = ((await cashier.page.textContent("#receipt-id")) ?? "").trim();
    expect(await cashier.page.textContent("#receipt")).toContain("approved offline");
    // Read raw as well: the PIN check is on the answer as sent, parsing drops fields the schema does not name.
    const answer = await api(`${stack.agentUrl}/api/v1/transactions/${id}`, z.unknown());
    const sale = ReceiptViewSchema.parse(answer);
    expect(SaleCompletedSchema.parse(sale.receipt).tenders[0]).toMatchObject({
      offline: true,
      approvedBy: { managerId: DEMO_MANAGER.id },
    });
    expect(JSON.stringify(answer)).not.toContain(DEMO_MANAGER.pin);
    // The manager was signed out after the one sale: the next override needs them again.
    const session = await fetch(`${stack.agentUrl}/api/v1/manager/session`, {
      headers: { cookie: (await cashier.page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ") },
    });
    expect(session.status).toBe(401);
    expect(browser.problems).toEqual([]);
  });
});
