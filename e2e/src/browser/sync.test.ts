import {
  BatchResponseSchema,
  newEventId,
  newId,
  QueueStatusSchema,
  ReceiptViewSchema,
  RegisterStatusSchema,
} from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { api, DEMO_MANAGER } from "../chain/index.ts";
import { type Browser, eventually, launchBrowser, screenshot } from "./browser.ts";
import { CashierScreen } from "./cashier.ts";
import { ManagerScreen } from "./manager.ts";
import { REGISTER, STORE, type Stack, startStack } from "./stack.ts";

describe("the screens while the cloud comes and goes (two regions, the simulator, one agent)", () => {
  let stack: Stack;
  let browser: Browser;
  let cashier: CashierScreen;
  let manager: ManagerScreen;

  const regionMark = (name: string) =>
    api(`${stack.chain.regionUrl(name)}/v1/stores/${STORE}/registers/${REGISTER}`, RegisterStatusSchema, {
      token: stack.chain.tokens.stores[STORE],
    });

  beforeAll(async () => {
    stack = await startStack("sync");
    browser = await launchBrowser();
    cashier = new CashierScreen(await browser.open(`${stack.agentUrl}/cashier`));
    manager = new ManagerScreen(await browser.open(`${stack.agentUrl}/manager`));
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it("a split-tender sale made online appears as synced on the manager screen within seconds", async () => {
    await eventually(
      () => cashier.page.getAttribute("#link-state", "data-online"),
      (v) => v === "true",
      "link pill online",
    );
    await cashier.scan("JEAN-32-IND");
    await cashier.scan("SOCK-3PK", 2);
    await cashier.payCard("50.00");
    await cashier.payCash("50.00");
    const id = await cashier.complete();
    // The receipt on the cashier's screen follows the sale to the cloud too.
    await eventually(
      async () => ((await cashier.page.textContent("#receipt-sync")) ?? "").trim(),
      (tag) => tag === "synced",
      "the receipt's sync tag",
      30_000,
    );
    await cashier.newSale();
    const shown = await eventually(
      async () => ({ state: await manager.stateOf(id), pending: await manager.stat("count-pending") }),
      (s) => s.state === "synced" && s.pending === "0",
      "the sale's state and the pending count on the manager screen",
      30_000,
    );
    expect(shown).toEqual({ state: "synced", pending: "0" });
    const sale = await api(`${stack.agentUrl}/api/v1/transactions/${id}`, ReceiptViewSchema);
    const tenders = sale.receipt.tenders as Array<{ type: string; card?: { authCode: string | null } }>;
    expect(tenders.map((t) => t.type)).toEqual(["card", "cash"]);
    // Online, the terminal got an authorisation: not a store-and-forward approval.
    expect(tenders[0]?.card?.authCode).toMatch(/^[0-9A-F]{6}$/);
    expect((await regionMark("A")).contiguousSeq).toBeGreaterThanOrEqual(sale.seq);
  });

  it("with both regions stopped, ten sales go through; banner and pending count show 10, then drain to 0 by themselves", async () => {
    const before = await api(`${stack.agentUrl}/api/v1/queue`, QueueStatusSchema);
    expect(before.counts.pending).toBe(0);
    await stack.stopRegions();
    await eventually(
      () => cashier.bannerCount(),
      (b) => b.visible,
      "the offline banner",
    );

    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      ids.push(
        await cashier.sell([[i % 2 === 0 ? "TEE-L-WHT" : "MUG-LOGO", 1]], async (s) => {
          if (i % 3 === 0) await s.payCard();
          else await s.payCash("40");
        }),
      );
    }
    const banner = await eventually(
      () => cashier.bannerCount(),
      (b) => b.count === "10",
      "the banner's count",
    );
    expect(banner.visible).toBe(true);
    expect(await cashier.page.textContent("#offline-banner")).toContain("10 sales waiting to sync");
    await eventually(
      () => manager.stat("count-pending"),
      (n) => n === "10",
      "the manager's pending count",
    );
    expect(await manager.page.isVisible("#manager-offline")).toBe(true);
    const regions = await manager.regions();
    expect(regions.map((r) => r.name)).toEqual(["A", "B"]);
    expect(regions.every((r) => r.lastError !== "—")).toBe(true);
    // Card sales during the outage were approved offline (store and forward), no authCode yet.
    const offlineCard = await api(`${stack.agentUrl}/api/v1/transactions/${ids[0]}`, ReceiptViewSchema);
    const card = (offlineCard.receipt.tenders as Array<{ card: { authCode: string | null }; offline: boolean }>)[0];
    expect(card).toMatchObject({ offline: true, card: { authCode: null } });
    await screenshot(cashier.page, "cashier-offline-1280x800");
    await screenshot(manager.page, "manager-offline-1280x800");

    // The processor settled the first offline card for less than the register recorded.
    const terminalTxnId = (card as unknown as { card: { terminalTxnId: string } }).card.terminalTxnId;
    // The simulator's test hook: its answer is not read.
    await api(`${stack.chain.processorUrl}/v1/behaviour/${terminalTxnId}`, z.unknown(), {
      method: "PUT",
      json: { respond: "amount", amount: { amount: 1000, currency: "USD" } },
    });

    // Nobody touches anything: the regions come back and the queue drains on its own.
    await stack.startRegions();
    await eventually(
      () => manager.stat("count-pending"),
      (n) => n === "0",
      "the pending count after the regions returned",
      90_000,
    );
    await eventually(
      () => cashier.bannerCount(),
      (b) => !b.visible,
      "the banner going away",
      30_000,
    );
    for (const id of ids) expect(await manager.stateOf(id).catch(() => null)).not.toBe("waiting");
    const last = await api(`${stack.agentUrl}/api/v1/transactions/${ids[9]}`, ReceiptViewSchema);
    const marks = await Promise.all([regionMark("A"), regionMark("B")]);
    expect(Math.max(...marks.map((m) => m.contiguousSeq))).toBeGreaterThanOrEqual(last.seq);

    // Back online, the region reconciles the offline card tenders; the mismatch shows on the manager screen.
    const exceptions = await eventually(
      () => manager.exceptions(),
      (rows) => rows.some((r) => r.kind === "amount_mismatch"),
      "the reconciliation exception on the manager screen",
      60_000,
    );
    const expected = (card as unknown as { amount: { amount: number } }).amount.amount;
    expect(exceptions.find((r) => r.kind === "amount_mismatch")?.detail).toContain(`settled 1000 instead of ${expected}`);
  });

  it("an event the cloud rejects shows in dead letters with its reason, and the retry action puts it back", async () => {
    // A cloned register already used the next seq in both regions: ours will be refused as a conflict.
    const queue = await api(`${stack.agentUrl}/api/v1/queue`, QueueStatusSchema);
    const template = await api(
      `${stack.agentUrl}/api/v1/transactions/${await manager.page.getAttribute("#recent tr[data-transaction-id]", "data-transaction-id")}`,
      ReceiptViewSchema,
    );
    const clone = {
      eventId: newEventId(),
      storeId: STORE,
      registerId: REGISTER,
      seq: queue.lastSeq + 1,
      type: "sale.completed",
      occurredAt: new Date().toISOString(),
      schemaVersion: 1,
      payload: { ...template.receipt, transactionId: newId() },
    };
    for (const name of ["A", "B"]) {
      const answer = await api(`${stack.chain.regionUrl(name)}/v1/events/batch`, BatchResponseSchema, {
        method: "POST",
        token: stack.chain.tokens.stores[STORE],
        json: { storeId: STORE, registerId: REGISTER, events: [clone] },
      });
      expect(answer.results[0]?.status).toMatch(/accepted|duplicate/);
    }

    const id = await cashier.sell([["GIFT-WRAP", 1]], (s) => s.payCash("10"));
    const dead = await eventually(
      () => manager.deadLetters(),
      (rows) => rows.length === 1,
      "the dead letter on the manager screen",
      30_000,
    );
    expect(dead[0]?.seq).toBe(String(queue.lastSeq + 1));
    expect(dead[0]?.reason).toMatch(/conflict/);
    expect(await manager.stat("count-dead")).toBe("1");
    expect(await manager.stateOf(id)).toBe("dead letter");
    await screenshot(manager.page, "manager-dead-letter-1280x800");

    // Retry sends it again as recorded; the cloud still refuses it, so it comes back with its reason.
    const attemptsBefore = (await api(`${stack.agentUrl}/api/v1/queue`, QueueStatusSchema)).deadLetters[0]?.attempts ?? 0;
    // Retrying overrides the cloud's refusal: without a manager signed in it is refused and says why.
    const [unauthorised] = await Promise.all([
      manager.page.waitForResponse((r) => r.url().endsWith(`/dead-letters/${queue.lastSeq + 1}/retry`)),
      manager.page.click(`[data-retry-seq="${queue.lastSeq + 1}"]`),
    ]);
    expect(unauthorised.status()).toBe(401);
    await eventually(
      () => manager.error(),
      (t) => t.includes("manager has to approve"),
      "the refusal explained on the manager screen",
    );
    await manager.signIn(DEMO_MANAGER.id, DEMO_MANAGER.pin);
    expect(await manager.page.textContent("#manager-signed-in")).toContain(DEMO_MANAGER.name);
    const [retried] = await Promise.all([
      manager.page.waitForResponse((r) => r.url().endsWith(`/dead-letters/${queue.lastSeq + 1}/retry`)),
      manager.page.click(`[data-retry-seq="${queue.lastSeq + 1}"]`),
    ]);
    expect(retried.status()).toBe(200);
    await eventually(
      () => api(`${stack.agentUrl}/api/v1/queue`, QueueStatusSchema),
      (q) => q.counts.dead === 1 && q.counts.pending === 0 && (q.deadLetters[0]?.attempts ?? 0) > attemptsBefore,
      "the retried event sent and refused again",
      30_000,
    );
    const again = await eventually(
      () => manager.deadLetters(),
      (rows) => rows.length === 1,
      "the dead letter shown again",
    );
    expect(again[0]?.reason).toMatch(/conflict/);
    expect(browser.problems).toEqual([]);
  });
});
