import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PAYLOAD_SCHEMAS, SaleRecordedSchema } from "@tenderline/shared";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type FakeReturnsRegion, startFakeReturnsRegion } from "../returns/fake-returns-region.ts";
import { card, line, post, testAgent } from "../testing/fixtures.ts";

/**
 * A cashier at register 2 returns register 1's sale on the real cashier screen, in real Chromium:
 * found by its receipt number at the (fake) region, previewed, confirmed; the agent records it
 * verified by the cloud, the refund going back to the original card.
 */
const CHROMIUM = process.env.TENDERLINE_CHROMIUM ?? "/usr/bin/chromium";

let fake: FakeReturnsRegion;
let reg1: ReturnType<typeof testAgent>;
let reg2: ReturnType<typeof testAgent>;
let url: string;
let context: BrowserContext;
let profile: string;
const problems: string[] = [];

beforeAll(async () => {
  fake = await startFakeReturnsRegion("region-a");
  reg1 = testAgent({ storeId: "s1", registerId: "r1" }, { startSync: false, returnsRegion: async () => null });
  reg2 = testAgent({ storeId: "s1", registerId: "r2" }, { startSync: false, returnsRegion: async () => fake.region() });
  url = (await reg2.listen()).url;
  profile = mkdtempSync(join(tmpdir(), "tl-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage"],
    viewport: { width: 1280, height: 800 },
    locale: "en-US",
    timezoneId: "UTC",
  });
  context.setDefaultTimeout(30_000);
});

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await reg2?.done();
  await reg1?.done();
  await fake?.close();
});

describe("returns anywhere on the cashier screen", () => {
  it("returns register 1's sale at register 2, found by its receipt number and recorded verified by the cloud", async () => {
    const sale = {
      cashierId: "c-1",
      lines: [line("TEE-M-BLK", 2, 1999, 330)],
      tenders: [card(4328, { authCode: "OK1234", last4: "1881" })],
    };
    const res = await post(reg1.app, "/api/v1/sales", sale);
    const original = res.parse(SaleRecordedSchema.extend({ receiptNumber: z.string() }));
    fake.addOriginal({
      transactionId: original.transactionId,
      receiptNumber: original.receiptNumber,
      storeId: "s1",
      registerId: "r1",
      lines: sale.lines,
      tenders: original.tenders,
    });

    const page = await context.newPage();
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().includes("Failed to load resource")) problems.push(`console: ${m.text()}`);
    });
    await page.goto(`${url}/cashier`);
    await page.keyboard.press("F3");
    await page.waitForFunction(() => document.activeElement?.id === "lookup");
    await page.keyboard.type(original.receiptNumber);
    await page.keyboard.press("Enter");
    await page.waitForSelector('#return-original [data-return-sku="TEE-M-BLK"]');
    expect(await page.textContent("#sold-elsewhere")).toContain("Sold at store s1, register r1");
    expect(await page.getAttribute('#return-original [data-return-sku="TEE-M-BLK"]', "data-transaction-id")).toBe(
      original.transactionId,
    );

    await page.fill('#return-original [data-return-sku="TEE-M-BLK"]', "1");
    await page.click("#preview-return");
    await page.waitForSelector("#preview #allocation");
    expect(await page.textContent("#preview-refund")).toBe("$21.64");
    expect(await page.textContent("#preview #allocation")).toContain("Visa •••• 1881");
    await page.waitForSelector("#confirm-return:not([disabled])");
    await page.click("#confirm-return");
    await page.waitForSelector("#receipt-mode:not([hidden]) #receipt-refund");
    expect(await page.textContent("#receipt-refund")).toBe("$21.64");
    const receiptText = (await page.textContent("#receipt")) ?? "";
    expect(receiptText).toContain("•••• 1881");
    const token = sale.tenders[0]?.card.token ?? "";
    expect(await page.content()).not.toContain(token);

    const rows = reg2.db.prepare("SELECT body FROM outbox ORDER BY seq").all() as Array<{ body: string }>;
    const events = rows.map((r) => z.object({ type: z.string(), payload: z.unknown() }).parse(JSON.parse(r.body)));
    const returns = events.filter((e) => e.type === "return.completed");
    expect(returns).toHaveLength(1);
    const payload = PAYLOAD_SCHEMAS["return.completed"].parse(returns[0]?.payload);
    expect(payload).toMatchObject({
      verified: true,
      verifiedBy: "cloud",
      originals: [{ transactionId: original.transactionId, storeId: "s1", registerId: "r1" }],
      items: [{ originalTransactionId: original.transactionId, sku: "TEE-M-BLK", quantity: 1 }],
    });
    expect(payload.allocation).toEqual([
      expect.objectContaining({
        tenderType: "card",
        amount: { amount: 2164, currency: "USD" },
        card: expect.objectContaining({ last4: "1881" }),
      }),
    ]);
    expect(fake.reservations.size).toBe(1);
    expect(problems).toEqual([]);
    await page.close();
  });
});
