import { PAYLOAD_SCHEMAS, SaleRecordedSchema } from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type FakeReturnsRegion, startFakeReturnsRegion } from "../returns/fake-returns-region.ts";
import { launchChromium, type TestBrowser } from "../testing/browser.ts";
import { card, line, post, testAgent } from "../testing/fixtures.ts";

/**
 * A cashier at register 2 returns register 1's sale on the real cashier screen, in real Chromium:
 * found by its receipt number at the (fake) region, previewed, confirmed; the agent records it
 * verified by the cloud, the refund going back to the original card.
 */
let fake: FakeReturnsRegion;
let reg1: ReturnType<typeof testAgent>;
let reg2: ReturnType<typeof testAgent>;
let url: string;
let browser: TestBrowser;

beforeAll(async () => {
  fake = await startFakeReturnsRegion("region-a");
  reg1 = testAgent({ storeId: "s1", registerId: "r1" }, { startSync: false, returnsRegion: async () => null });
  reg2 = testAgent({ storeId: "s1", registerId: "r2" }, { startSync: false, returnsRegion: async () => fake.region() });
  url = (await reg2.listen()).url;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
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

    const page = await browser.open(`${url}/cashier`);
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
    expect(browser.problems).toEqual([]);
    await page.close();
  });
});
