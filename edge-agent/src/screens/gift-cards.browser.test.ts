import {
  PAYLOAD_SCHEMAS,
  type ReturnCompleted,
  type SaleCompleted,
  SaleRecordedSchema,
  SealedSchema,
  unsealNumber,
} from "@tenderline/shared";
import type { Page, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type FakeReturnsRegion, startFakeReturnsRegion } from "../returns/fake-returns-region.ts";
import { type FakeStoredValueRegion, startFakeStoredValueRegion } from "../stored-value/fake-stored-value-region.ts";
import { launchChromium, type TestBrowser } from "../testing/browser.ts";
import { cash, line, MANAGERS, over, post, testAgent, usd } from "../testing/fixtures.ts";

/**
 * The cashier screen's gift card flows in real Chromium against the agent's real screens, with
 * (fake) regions for stored value and returns: the F10 balance check, a card sold and one
 * reloaded as lines of a sale, and a return to store credit whose number is on its receipt once.
 * Gift card numbers are in the register's gift card range (`giftCardPrefixes`); the one payment
 * card number here is there to be refused.
 */
const GIFT_PREFIXES = ["603571"];
const GIFT = "6035710012345678904";
const RELOADED = "6035710000000000017";
const NEVER_ISSUED = "6035710000000000025";
const PAYMENT_CARD = "4111111111111111";

let sv: FakeStoredValueRegion;
let returnsFake: FakeReturnsRegion;
/** Whether the stored-value region answers: a test takes the store's link down and puts it back. */
const link = { storedValue: true };
let reg1: ReturnType<typeof testAgent>;
let reg2: ReturnType<typeof testAgent>;
let url: string;
let browser: TestBrowser;

beforeAll(async () => {
  sv = await startFakeStoredValueRegion();
  returnsFake = await startFakeReturnsRegion("region-a");
  reg1 = testAgent({ storeId: "s1", registerId: "r1" }, { startSync: false, returnsRegion: async () => null });
  reg2 = testAgent(
    { storeId: "s1", registerId: "r2", storedValueSealKey: sv.keys.sealPublicKey, giftCardPrefixes: GIFT_PREFIXES },
    {
      startSync: false,
      returnsRegion: async () => returnsFake.region(),
      storedValueRegion: async () => (link.storedValue ? sv.region() : null),
    },
  );
  url = (await reg2.listen()).url;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await reg2?.done();
  await reg1?.done();
  await returnsFake?.close();
  await sv?.close();
});

/** "$12.34", as the screens show an amount in minor units. */
const dollars = (minor: number) => `$${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, "0")}`;

const EventSchema = z.object({ type: z.string(), payload: z.unknown() });
function outbox(type: string): unknown[] {
  const rows = reg2.db.prepare("SELECT body FROM outbox ORDER BY seq").all() as Array<{ body: string }>;
  return rows
    .map((r) => EventSchema.parse(JSON.parse(r.body)))
    .filter((e) => e.type === type)
    .map((e) => e.payload);
}
const sales = (): SaleCompleted[] => outbox("sale.completed").map((p) => PAYLOAD_SCHEMAS["sale.completed"].parse(p));
const returns = (): ReturnCompleted[] => outbox("return.completed").map((p) => PAYLOAD_SCHEMAS["return.completed"].parse(p));

/** A keyboard-wedge scanner: the code's keystrokes, quickly, to whatever has focus, then Enter. */
async function scan(page: Page, code: string): Promise<void> {
  for (const ch of code) await page.keyboard.press(ch, { delay: 2 });
  await page.keyboard.press("Enter");
}

const focused = (page: Page) => page.evaluate(() => document.activeElement?.id ?? "");
const text = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? "").replace(/\s+/g, " ").trim();

/** Waits for the gift card panel to answer: a balance shown, or an error. */
async function giftAnswer(page: Page): Promise<{ balance: string; error: string }> {
  await page.waitForFunction(
    () =>
      (document.getElementById("gift-balance")?.textContent ?? "") !== "" ||
      (document.getElementById("gift-error")?.textContent ?? "") !== "",
  );
  return { balance: await text(page, "#gift-balance"), error: await text(page, "#gift-error") };
}

/** The cart as [sku, description, qty, price, tax] per row. */
function cartRows(page: Page): Promise<string[][]> {
  return page.$$eval("#cart tbody tr", (rows) =>
    rows.map((r) => {
      const cells = Array.from(r.querySelectorAll("td"));
      return [
        r.getAttribute("data-sku") ?? "",
        cells[0]?.firstChild?.textContent ?? "",
        cells[1]?.querySelector(".qty")?.textContent ?? "",
        cells[2]?.textContent ?? "",
        cells[3]?.textContent ?? "",
      ].map((t) => t.replace(/\s+/g, " ").trim());
    }),
  );
}

describe("gift cards on the cashier screen", () => {
  it("F10 checks a card's balance at the region, scanned or typed; an unknown card, a payment card and no region are each said plainly", async () => {
    const issued = 5000;
    sv.issue("gift_card", GIFT, usd(issued));
    const page = await browser.open(`${url}/cashier`);

    // F10 from the sale screen: the balance check, the cursor in the code field.
    await page.keyboard.press("F10");
    await page.waitForFunction(() => document.activeElement?.id === "gift-line-code");
    expect(await text(page, "#gift-submit")).toBe("Check balance");
    expect(await page.isVisible("#gift-line-amount")).toBe(false);
    await scan(page, GIFT);
    let answer = await giftAnswer(page);
    expect(answer.error).toBe("");
    expect(answer.balance).toContain(`Gift card •••• ${GIFT.slice(-4)}`);
    expect(answer.balance).toContain(`Balance ${dollars(issued)} · available ${dollars(issued)}`);
    expect(await page.getAttribute("#gift-balance [data-gift-balance]", "data-gift-balance")).toBe("active");
    // The code left the field (and the page) at once; the cursor is ready for the next scan.
    expect(await page.inputValue("#gift-line-code")).toBe("");
    expect(await focused(page)).toBe("gift-line-code");
    expect(await page.content()).not.toContain(GIFT);

    // Part of the balance is held by a redemption in progress: the screen shows what the region says now.
    const holds = sv.holds.size;
    const sealed = (await post(over(url), "/api/v1/stored-value/seal", { kind: "gift_card", number: GIFT })).parse(SealedSchema);
    const spent = 1250;
    const redemption = await post(over(url), "/api/v1/sales", {
      cashierId: "c-9",
      lines: [line("MUG-01", 1, spent, 0)],
      tenders: [{ type: "gift_card", amount: usd(spent), giftCard: { sealed: sealed.sealed, last4: sealed.last4 } }],
    });
    expect(redemption.status, JSON.stringify(redemption.body)).toBe(201);
    expect(sv.holds.size).toBe(holds + 1);
    await page.keyboard.type(GIFT);
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => (document.getElementById("gift-balance")?.textContent ?? "").includes("held"));
    answer = await giftAnswer(page);
    expect(answer.balance).toContain(
      `Balance ${dollars(issued)} · available ${dollars(issued - spent)} · ${dollars(spent)} held`,
    );

    // A card the region never activated: its refusal, and no balance (least of all the last card's).
    await scan(page, NEVER_ISSUED);
    await page.waitForFunction(() => (document.getElementById("gift-error")?.textContent ?? "") !== "");
    answer = await giftAnswer(page);
    expect(answer.balance).toBe("");
    expect(answer.error).not.toBe("");
    expect(await page.content()).not.toContain(NEVER_ISSUED);
    expect(await focused(page)).toBe("gift-line-code");

    // A payment card scanned by mistake is refused, without the number being repeated anywhere.
    await page.evaluate(() => {
      const e = document.getElementById("gift-error");
      if (e) e.textContent = "";
    });
    await scan(page, PAYMENT_CARD);
    answer = await giftAnswer(page);
    expect(answer.error).toMatch(/payment card/);
    expect(answer.balance).toBe("");
    expect(await page.content()).not.toContain(PAYMENT_CARD);
    const panRequests = sv.bodies.length;

    // No region answers: the screen says the balance cannot be checked, rather than guessing.
    link.storedValue = false;
    try {
      await scan(page, GIFT);
      await page.waitForSelector('#gift-balance [data-gift-balance="offline"]');
      answer = await giftAnswer(page);
      expect(answer.error).toBe("");
      expect(answer.balance).toContain(`Gift card •••• ${GIFT.slice(-4)}`);
      expect(answer.balance).toContain("cannot be checked offline");
    } finally {
      link.storedValue = true;
    }
    // The payment card never reached the region, nor did any number in clear.
    expect(sv.bodies.length).toBe(panRequests);
    for (const body of sv.bodies) {
      for (const n of [GIFT, NEVER_ISSUED, PAYMENT_CARD]) expect(body).not.toContain(n);
    }
    expect(browser.problems).toEqual([]);
    await page.close();
  });

  it("sells a new card and reloads another as lines of a sale beside an item; the sale records both sealed for the cloud", async () => {
    const before = sales().length;
    const page = await browser.open(`${url}/cashier`);
    await page.fill("#scan", "TEE-M-BLK");
    await page.press("#scan", "Enter");
    await page.waitForSelector('#cart [data-sku="TEE-M-BLK"]');

    // Sell a card: choose the action, type the amount, Tab to the code, scan.
    await page.selectOption("#gift-action", "activate");
    await page.waitForFunction(() => document.activeElement?.id === "gift-line-amount");
    expect(await text(page, "#gift-submit")).toBe("Add gift card to sale");
    const sold = 2500;
    await page.keyboard.type(dollars(sold).slice(1));
    await page.keyboard.press("Tab");
    expect(await focused(page)).toBe("gift-line-code");
    await scan(page, GIFT);
    await page.waitForSelector('#cart [data-sku="GIFT-CARD"]');
    expect(await page.inputValue("#gift-line-amount")).toBe("");

    // Reload another: a payment card scanned by mistake adds nothing; the right card then does.
    await page.selectOption("#gift-action", "load");
    await page.waitForFunction(() => document.activeElement?.id === "gift-line-amount");
    expect(await text(page, "#gift-submit")).toBe("Add reload to sale");
    const loaded = 1000;
    await page.keyboard.type(String(loaded / 100));
    await page.keyboard.press("Tab");
    await scan(page, PAYMENT_CARD);
    await page.waitForFunction(() => /payment card/.test(document.getElementById("gift-error")?.textContent ?? ""));
    expect(await page.$('#cart [data-sku="GIFT-RELOAD"]')).toBeNull();
    expect(await focused(page)).toBe("gift-line-code");
    await scan(page, RELOADED);
    await page.waitForSelector('#cart [data-sku="GIFT-RELOAD"]');
    expect(await text(page, "#gift-error")).toBe("");

    const rows = await cartRows(page);
    expect(rows.map((r) => r[0])).toEqual(["TEE-M-BLK", "GIFT-CARD", "GIFT-RELOAD"]);
    expect(rows[1]).toEqual(["GIFT-CARD", `Gift card •••• ${GIFT.slice(-4)}`, "1", dollars(sold), dollars(0)]);
    expect(rows[2]).toEqual(["GIFT-RELOAD", `Gift card reload •••• ${RELOADED.slice(-4)}`, "1", dollars(loaded), dollars(0)]);
    // The item keeps its tax.
    expect(rows[0]?.[4]).not.toBe(dollars(0));

    // Cash for everything due (F8 puts the amount due in the field), then complete.
    await page.keyboard.press("F8");
    await page.waitForFunction(() => document.activeElement?.id === "tender-amount");
    const due = await page.inputValue("#tender-amount");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#complete-sale:not([disabled])");
    await page.click("#complete-sale");
    await page.waitForSelector("#receipt-mode:not([hidden]) #receipt-id");
    const transactionId = await text(page, "#receipt-id");
    const receipt = await text(page, "#receipt");
    expect(receipt).toContain(`Gift card •••• ${GIFT.slice(-4)}`);
    expect(receipt).toContain(`Gift card reload •••• ${RELOADED.slice(-4)}`);
    const html = await page.content();
    for (const n of [GIFT, RELOADED, PAYMENT_CARD]) expect(html).not.toContain(n);

    // What the agent recorded: one sale, the cards as lines with their sealed numbers (which only
    // the regions can open, and which open to the cards scanned), no tax on them, paid in cash.
    const recorded = sales();
    expect(recorded).toHaveLength(before + 1);
    const sale = recorded.at(-1);
    expect(sale?.transactionId).toBe(transactionId);
    expect(reg2.ledger.get(transactionId)?.kind).toBe("sale");
    const [tee, card, reload] = sale?.lines ?? [];
    expect(tee?.storedValue).toBeUndefined();
    expect(card).toMatchObject({ quantity: 1, unitPrice: usd(sold), tax: usd(0) });
    expect(card?.storedValue).toMatchObject({ action: "activate", last4: GIFT.slice(-4) });
    expect(unsealNumber(sv.keys.sealPrivateKey, card?.storedValue?.sealed ?? "")).toBe(GIFT);
    expect(reload).toMatchObject({ quantity: 1, unitPrice: usd(loaded), tax: usd(0) });
    expect(reload?.storedValue).toMatchObject({ action: "load", last4: RELOADED.slice(-4) });
    expect(unsealNumber(sv.keys.sealPrivateKey, reload?.storedValue?.sealed ?? "")).toBe(RELOADED);
    const total = (sale?.lines ?? []).reduce((s, l) => s + l.unitPrice.amount * l.quantity + l.tax.amount, 0);
    expect(sale?.totals.total).toEqual(usd(total));
    expect(dollars(total).slice(1)).toBe(due);
    expect(sale?.tenders).toEqual([expect.objectContaining({ type: "cash", amount: usd(total) })]);
    // The agent keeps no number in clear.
    const stored = JSON.stringify(reg2.db.prepare("SELECT body FROM outbox").all());
    for (const n of [GIFT, RELOADED]) expect(stored).not.toContain(n);
    expect(browser.problems).toEqual([]);
    await page.close();
  });

  it("a return the customer takes as store credit prints the new number once on its receipt; viewed again or replayed, the receipt has only the last four", async () => {
    // Register 1's sale of two mugs, which the cloud knows.
    const mugs = { cashierId: "c-1", lines: [line("MUG-01", 2, 899, 144)], tenders: [cash(2 * 899 + 144)] };
    const sold = (await post(reg1.app, "/api/v1/sales", mugs)).parse(SaleRecordedSchema.extend({ receiptNumber: z.string() }));
    returnsFake.addOriginal({
      transactionId: sold.transactionId,
      receiptNumber: sold.receiptNumber,
      storeId: "s1",
      registerId: "r1",
      lines: mugs.lines,
      tenders: sold.tenders,
    });
    // What one mug refunds: its price plus its share of the tax.
    const unitPrice = usd((2 * 899 + 144) / 2);
    const page = await browser.open(`${url}/cashier`);

    /**
     * Finds the sale at the region, shows the refund and chooses store credit for it (the
     * customer's choice); `answer` sees the request on its way to the agent.
     */
    async function returnOneMugToCredit(answer: (route: Route) => Promise<void>) {
      await page.keyboard.press("F3");
      await page.waitForFunction(() => document.activeElement?.id === "lookup");
      await page.keyboard.type(sold.receiptNumber);
      await page.keyboard.press("Enter");
      await page.waitForSelector('#return-original [data-return-sku="MUG-01"]');
      await page.fill('#return-original [data-return-sku="MUG-01"]', "1");
      await page.click("#preview-return");
      await page.waitForSelector("#preview #allocation");
      await page.waitForSelector("#confirm-return:not([disabled])");
      await page.selectOption("#refund-to", "store_credit");
      await page.route("**/api/v1/returns", answer);
    }

    // The first return: its receipt shows the new number once.
    await returnOneMugToCredit((route) => route.continue());
    await page.click("#confirm-return");
    await page.waitForSelector("#receipt-mode:not([hidden]) #store-credit-number");
    await page.unroute("**/api/v1/returns");
    const first = returns().at(-1);
    // Verified by the cloud, refunded from the mug's cash as store credit, and the screen is back to refunding to the original payment.
    expect(first).toMatchObject({ verified: true, verifiedBy: "cloud", storeCredit: { amount: unitPrice } });
    expect(first?.allocation).toEqual([
      expect.objectContaining({ tenderType: "cash", amount: unitPrice, paidAs: "store_credit" }),
    ]);
    expect(await page.inputValue("#refund-to")).toBe("original");
    const number = unsealNumber(sv.keys.sealPrivateKey, first?.storeCredit?.sealed ?? "");
    expect(number.startsWith(reg2.config.storeCreditPrefix)).toBe(true);
    expect(first?.storeCredit?.last4).toBe(number.slice(-4));
    const transactionId = await text(page, "#receipt-id");
    expect(transactionId).toBe(first?.transactionId);
    expect(await text(page, "#receipt-refund")).toBe(dollars(unitPrice.amount));
    expect(await text(page, "#store-credit-number .mono")).toBe(number);
    expect(await text(page, "#store-credit-number")).toContain(`Store credit issued: ${dollars(unitPrice.amount).slice(1)} USD`);
    expect((await page.content()).split(number)).toHaveLength(2);

    // The sync tag turns to synced when the cloud has the return: the number stays on the receipt.
    reg2.outbox.markAcked([reg2.ledger.get(transactionId)?.seq ?? 0], "A");
    await page.waitForSelector("#receipt-sync .tag.acked");
    expect(await text(page, "#store-credit-number .mono")).toBe(number);

    // The next sale: the number is gone from the screen, and the receipt viewed again does not have it.
    await page.click("#new-sale");
    await page.waitForSelector("#sale-mode:not([hidden])");
    expect(await page.content()).not.toContain(number);
    const again = await browser.open(`${url}/screens/cashier/receipt/${encodeURIComponent(transactionId)}/print`);
    expect(await text(again, "#receipt-refund")).toBe(dollars(unitPrice.amount));
    expect(await again.content()).not.toContain(number);
    await again.close();
    const stored = JSON.stringify(reg2.db.prepare("SELECT body FROM outbox").all());
    expect(stored).not.toContain(number);

    // The second return's answer is lost on the way (the agent recorded it): confirmed again, the
    // same request is replayed, recorded once, and its receipt names the credit by its last four.
    const count = returns().length;
    let lost = false;
    await returnOneMugToCredit(async (route) => {
      if (lost) return route.continue();
      lost = true;
      const recorded = await route.fetch();
      expect(recorded.status()).toBe(201);
      await route.abort("connectionreset");
    });
    await page.click("#confirm-return");
    await page.waitForFunction(() => (document.getElementById("return-error")?.textContent ?? "") !== "");
    expect(returns()).toHaveLength(count + 1);
    await page.waitForSelector("#confirm-return:not([disabled])");
    await page.click("#confirm-return");
    await page.waitForSelector("#receipt-mode:not([hidden]) #store-credit-number");
    await page.unroute("**/api/v1/returns");
    expect(returns()).toHaveLength(count + 1);
    const second = returns().at(-1);
    const secondNumber = unsealNumber(sv.keys.sealPrivateKey, second?.storeCredit?.sealed ?? "");
    expect(await text(page, "#receipt-id")).toBe(second?.transactionId);
    expect(await text(page, "#store-credit-number .mono")).toBe(`•••• ${secondNumber.slice(-4)}`);
    expect(await page.content()).not.toContain(secondNumber);
    expect(await page.content()).not.toContain(number);
    expect(browser.problems).toEqual([]);
    await page.close();
  });

  it("a manager voids a lost card from the manager screen: its balance is held off and the void recorded with the manager's id", async () => {
    const number = "6035710000000000033";
    const token = sv.issue("gift_card", number, usd(2750));
    const page = await browser.open(`${url}/manager`);
    await page.fill("#signin-manager", MANAGERS.dana.id);
    await page.fill("#signin-pin", MANAGERS.dana.pin);
    await page.press("#signin-pin", "Enter");
    await page.waitForSelector("#manager-controls:not([hidden])");
    await page.selectOption("#void-kind", "gift_card");
    await page.click("#void-number");
    await scan(page, number);
    await page.waitForFunction(() => (document.getElementById("void-result")?.textContent ?? "") !== "");
    expect(await text(page, "#void-result")).toBe("Voided •••• 0033: 27.50 USD taken off; it can no longer be spent.");
    // The number left the field at once and is nowhere on the page.
    expect(await page.inputValue("#void-number")).toBe("");
    expect(await page.content()).not.toContain(number);
    expect(sv.balance(token)?.available).toEqual(usd(0));
    const [voided] = outbox("stored_value.voided").map((p) => PAYLOAD_SCHEMAS["stored_value.voided"].parse(p));
    expect(voided).toMatchObject({ token, last4: "0033", amount: usd(2750), approvedBy: { managerId: MANAGERS.dana.id } });
    expect(browser.problems).toEqual([]);
    await page.close();
  });
});
