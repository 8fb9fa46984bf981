import { receiptNumber, SaleRecordedSchema } from "@tenderline/shared";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { launchChromium, type TestBrowser } from "../testing/browser.ts";
import { readCode128Svg } from "../testing/code128.ts";
import { card, cash, line, post, testAgent } from "../testing/fixtures.ts";

/**
 * The cashier finds a sale by its short receipt number, typed (in lower case, with spaces) or
 * scanned (a wedge scanner types the code and presses Enter), in real Chromium against the
 * agent's real screens; and the print view's barcode, as the browser renders it, reads back as
 * exactly the receipt number.
 */
let agent: ReturnType<typeof testAgent>;
let url: string;
let browser: TestBrowser;

beforeAll(async () => {
  agent = testAgent({ storeId: "s1", registerId: "r2" }, { startSync: false });
  url = (await agent.listen()).url;
  browser = await launchChromium();
  // Headless Chromium has no printer: the print view's print() is recorded instead.
  await browser.context.addInitScript(() => {
    window.print = () => {
      (window as unknown as { printed?: boolean }).printed = true;
    };
  });
});

afterAll(async () => {
  await browser?.close();
  await agent?.done();
});

function openPage(path: string): Promise<Page> {
  return browser.open(`${url}${path}`);
}

async function recordSale() {
  const res = await post({ request: (path, init) => fetch(`${url}${path}`, init) }, "/api/v1/sales", {
    cashierId: "c-1",
    lines: [line("TEE-M-BLK", 2, 1999, 330), line("MUG-01", 1, 899, 72)],
    tenders: [card(4000, { authCode: "OK1234" }), cash(1299, 2000)],
  });
  return res.parse(SaleRecordedSchema.extend({ receiptNumber: z.string() }));
}

/** The original's lines on the return screen, as [sku, bought, returnable]. */
async function originalLines(page: Page): Promise<string[][]> {
  await page.waitForSelector('#return-original [data-return-sku="TEE-M-BLK"]');
  return page.$$eval("#return-original tbody tr", (rows) =>
    rows.map((r) => {
      const cells = Array.from(r.querySelectorAll("td"));
      return [
        r.querySelector("[data-return-sku]")?.getAttribute("data-return-sku") ?? "",
        cells[1]?.textContent ?? "",
        cells[2]?.textContent ?? "",
      ];
    }),
  );
}

/** Back to an empty return screen, the cursor in the lookup field (F3, as the cashier does). */
async function freshReturnScreen(page: Page): Promise<void> {
  await page.evaluate(() => {
    const o = document.getElementById("return-original");
    if (o) o.innerHTML = "";
  });
  await page.keyboard.press("F2");
  await page.keyboard.press("F3");
  await page.waitForFunction(() => document.activeElement?.id === "lookup");
}

describe("receipt lookup in the browser", () => {
  it("finds the sale by its short number typed in lower case with spaces, by a scan, and by its transaction id", async () => {
    await recordSale();
    const sale = await recordSale();
    expect(sale.receiptNumber).toBe(receiptNumber("s1", "r2", sale.seq));
    const page = await openPage("/cashier");
    const expected = [
      ["TEE-M-BLK", "2", "2"],
      ["MUG-01", "1", "1"],
    ];

    // Typed by hand: lower case, a space before and after, then Enter.
    await freshReturnScreen(page);
    await page.keyboard.type(`  ${sale.receiptNumber.toLowerCase()} `);
    await page.keyboard.press("Enter");
    expect(await originalLines(page)).toEqual(expected);
    expect(await page.getAttribute("#return-original [data-transaction-id]", "data-transaction-id")).toBe(sale.transactionId);
    expect(await page.textContent("#return-original")).toContain(sale.receiptNumber);

    // Scanned: a keyboard-wedge scanner sends the code's keystrokes quickly and then Enter, to
    // whatever has focus; nothing is clicked and focus does not move before the Enter.
    await freshReturnScreen(page);
    for (const ch of sale.receiptNumber) await page.keyboard.press(ch === "*" ? "Shift+8" : ch, { delay: 2 });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("lookup");
    await page.keyboard.press("Enter");
    expect(await originalLines(page)).toEqual(expected);
    expect(await page.getAttribute("#return-original [data-transaction-id]", "data-transaction-id")).toBe(sale.transactionId);

    // The old transaction id still works.
    await freshReturnScreen(page);
    await page.keyboard.type(sale.transactionId);
    await page.keyboard.press("Enter");
    expect(await originalLines(page)).toEqual(expected);

    // A misread character: told to re-type or scan, and nothing shown as found.
    await freshReturnScreen(page);
    const last = sale.receiptNumber.slice(-1);
    await page.keyboard.type(`${sale.receiptNumber.slice(0, -1)}${last === "0" ? "1" : "0"}`);
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => (document.getElementById("lookup-error")?.textContent ?? "") !== "");
    expect(await page.textContent("#lookup-error")).toMatch(/not a valid receipt number.*re-type it.*scan/);
    expect(await page.$("#return-original [data-return-sku]")).toBeNull();
    // The refused text is left selected in the field: the next scan replaces it.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("lookup");
    await page.keyboard.type(sale.receiptNumber, { delay: 2 });
    await page.keyboard.press("Enter");
    expect(await originalLines(page)).toEqual(expected);

    expect(browser.problems).toEqual([]);
    await page.close();
  });

  it("the print view shows the number and a Code 128 barcode that reads back as exactly it", async () => {
    const sale = await recordSale();
    const page = await openPage(`/screens/cashier/receipt/${encodeURIComponent(sale.receiptNumber)}/print`);
    expect((await page.textContent("#receipt-number"))?.trim()).toBe(sale.receiptNumber);
    const box = await page.locator("svg.barcode").boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(150);
    // What the browser holds, not what the server sent: the bars as rendered.
    const svg = await page.locator("svg.barcode").evaluate((e) => e.outerHTML);
    expect(readCode128Svg(svg)).toBe(sale.receiptNumber);
    // The print stylesheet applies and the receipt is there to print.
    await page.emulateMedia({ media: "print" });
    expect(await page.locator("#receipt").isVisible()).toBe(true);
    expect(await page.locator("svg.barcode").isVisible()).toBe(true);
    expect(browser.problems).toEqual([]);
    await page.close();
  });

  it("a sale completed on the cashier screen shows its receipt number and barcode, and Print prints just the receipt", async () => {
    const page = await openPage("/cashier");
    await page.fill("#scan", "TEE-M-BLK");
    await page.press("#scan", "Enter");
    await page.waitForSelector('#cart [data-sku="TEE-M-BLK"]');
    await page.click('[data-tender="cash"]');
    await page.fill("#tender-amount", "100.00");
    await page.press("#tender-amount", "Enter");
    await page.waitForSelector("#complete-sale:not([disabled])");
    await page.click("#complete-sale");
    await page.waitForSelector("#receipt-number", { state: "visible" });
    const number = ((await page.textContent("#receipt-number")) ?? "").trim();
    const transactionId = ((await page.textContent("#receipt-id")) ?? "").trim();
    const tx = agent.ledger.get(transactionId);
    expect(tx?.receiptNumber).toBe(number);
    expect(number).toBe(receiptNumber("s1", "r2", tx?.seq ?? 0));

    // The receipt on screen carries its barcode; Print prints this page, and the print stylesheet
    // leaves only the receipt on it.
    expect(readCode128Svg(await page.locator("#receipt svg.barcode").evaluate((e) => e.outerHTML))).toBe(number);
    await page.click("#print-receipt");
    await page.waitForFunction(() => (window as unknown as { printed?: boolean }).printed === true);
    await page.emulateMedia({ media: "print" });
    expect(await page.locator("#receipt svg.barcode").isVisible()).toBe(true);
    expect(await page.locator("#receipt-number").isVisible()).toBe(true);
    for (const hidden of [".topbar", "#new-sale", "#print-receipt", "#mode-sale"]) {
      expect(await page.locator(hidden).isVisible(), hidden).toBe(false);
    }
    await page.emulateMedia({ media: "screen" });
    expect(browser.problems).toEqual([]);
    await page.close();
  });
});
