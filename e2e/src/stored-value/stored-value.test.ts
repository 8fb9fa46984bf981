/**
 * Gift cards with real balances on real processes: two regions, the processor simulator, one
 * store of two registers. Numbers are sealed at the register and named by a keyed hash in the
 * cloud; redemptions hold the balance at the region while it answers, and are capped offline.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentApiError, AgentClient, RegionClient, SaleRecordedSchema, type Sealed } from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Chain, DEMO_MANAGER } from "../chain/chain.ts";
import { activateGiftCard, giftCardBalance, sealGiftCard } from "../chain/gift-cards.ts";
import { until } from "../chain/until.ts";

const usd = (amount: number) => ({ amount, currency: "USD" });
const GIFT_PREFIX = "603571";
let serial = 1000;
const newCardNumber = () => `${GIFT_PREFIX}${String(++serial).padStart(13, "0")}`;

describe("gift cards with real balances (one store of two registers, two regions)", () => {
  let dir: string;
  let chain: Chain;
  const url = (registerId: string) => chain.agents.get(registerId)?.url ?? "";
  const agent = (registerId: string) => new AgentClient(url(registerId), { timeoutMs: 15_000 });
  const admin = (region = "A") => new RegionClient(chain.regionUrl(region), chain.tokens.admin);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tl-stored-value-"));
    chain = await new Chain({
      dataDir: dir,
      stores: [{ storeId: "s1", registers: ["r1", "r2"] }],
      viaStoreLinks: true,
      logLevel: "warn",
      agentConfig: {
        giftCardPrefixes: [GIFT_PREFIX],
        sync: { probeIntervalMs: 200, probeTimeoutMs: 1000, breakerFailures: 1, breakerCooldownMs: 500, idlePollMs: 100 },
        offlineStoredValueLimits: { USD: { perTender: 5000, outstanding: 20_000 } },
      },
    }).start();
  }, 180_000);

  afterAll(async () => {
    await chain?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const seal = (registerId: string, number: string): Promise<Sealed> => sealGiftCard(url(registerId), number);

  const balanceAt = (registerId: string, number: string) => giftCardBalance(url(registerId), number);

  /** Sells a gift card loaded with `amount` at r1 for cash, and waits until the cloud activated it. */
  async function giftCard(amount: number): Promise<string> {
    const number = newCardNumber();
    await activateGiftCard(url("r1"), number, amount);
    return number;
  }

  const cardSale = (sealed: Sealed, amount: number) => ({
    cashierId: "c-1",
    lines: [{ sku: "MUG", description: "Mug", quantity: 1, unitPrice: usd(amount), tax: usd(0) }],
    tenders: [{ type: "gift_card" as const, amount: usd(amount), giftCard: { sealed: sealed.sealed, last4: sealed.last4 } }],
  });

  const payWithCard = async (registerId: string, number: string, amount: number) =>
    agent(registerId).recordSale(cardSale(await seal(registerId, number), amount));

  it("two registers redeeming the whole balance at once while online: one succeeds, the other is told the balance left", async () => {
    const number = await giftCard(5000);
    const outcomes = await Promise.allSettled([payWithCard("r1", number, 5000), payWithCard("r2", number, 5000)]);
    const recorded = outcomes.filter((o) => o.status === "fulfilled");
    const refused = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason] : []));
    expect(recorded).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(AgentApiError);
    expect(refused[0].detail).toMatch(/0\.00/);
    const winner = recorded[0]?.status === "fulfilled" ? recorded[0].value.body : undefined;
    const tender = SaleRecordedSchema.parse(winner).tenders[0];
    expect(tender?.type === "gift_card" ? tender.giftCard.token : "").toMatch(/^sv_/);
    expect(await balanceAt("r1", number)).toMatchObject({ available: usd(0) });
  });

  it("a redemption retried after its answer was lost charges the card once", async () => {
    const number = await giftCard(3000);
    // The register software sends the same request again, with the same key, as a retry does.
    const request = cardSale(await seal("r1", number), 1000);
    const first = await agent("r1").recordSale(request, { idempotencyKey: "lost-answer-1" });
    const again = await agent("r1").recordSale(request, { idempotencyKey: "lost-answer-1" });
    expect(again.replayed).toBe(true);
    expect(again.body.transactionId).toBe(first.body.transactionId);
    // Held once at once, then redeemed once when the sale reaches the ledger.
    expect((await balanceAt("r1", number)).available).toEqual(usd(2000));
    await until("the redemption in the ledger", async () => (await balanceAt("r1", number)).held.amount === 0);
    expect(await balanceAt("r1", number)).toMatchObject({ balance: usd(2000), available: usd(2000) });
  });

  it("both offline within caps: both recorded; after reconnect the cloud raises stored_value_overdrawn once", async () => {
    const number = await giftCard(3000);
    chain.setStoreLink("s1", false);
    let recorded: string[] = [];
    try {
      const [a, b] = await Promise.all([payWithCard("r1", number, 3000), payWithCard("r2", number, 3000)]);
      recorded = [a.body.eventId, b.body.eventId];
      for (const sale of [a, b]) {
        const tender = sale.body.tenders[0];
        expect(tender?.type === "gift_card" ? tender.giftCard.sealed : undefined).toBeDefined();
      }
    } finally {
      chain.setStoreLink("s1", true);
    }
    const raised = await until("stored_value_overdrawn", async () => {
      const list = await admin().exceptions({ kind: "stored_value_overdrawn" });
      const found = list.items.filter((i) => recorded.every((id) => JSON.stringify(i.detail).includes(id)));
      return found.length > 0 ? found : undefined;
    });
    expect(raised).toHaveLength(1);
    expect(JSON.stringify(raised[0]?.detail)).not.toContain(number);
  });

  it("a return the customer takes as store credit at one register is spent by its printed number at another, never past its balance", async () => {
    const sold = await agent("r1").recordSale({
      cashierId: "c-1",
      lines: [{ sku: "TEE", description: "Tee", quantity: 2, unitPrice: usd(2000), tax: usd(0) }],
      tenders: [{ type: "cash", amount: usd(4000) }],
    });
    const returned = (
      await agent("r1").recordReturn({
        cashierId: "c-1",
        reason: "changed mind",
        refundTo: "store_credit",
        items: [{ transactionId: sold.body.transactionId, sku: "TEE", quantity: 1 }],
      })
    ).body;
    const number = returned.storeCredit?.number ?? "";
    expect(returned.storeCredit?.amount).toEqual(usd(2000));
    // The region opens the credit when the return reaches its ledger (accepted: its amounts add up).
    await until("the store credit issued in the cloud", async () => {
      const b = await giftCardBalance(url("r2"), number, "store_credit").catch(() => undefined);
      return b?.status === "active" && b.available.amount === 2000;
    });
    const sealed = await sealGiftCard(url("r2"), number, "store_credit");
    const credit = (amount: number) => ({
      cashierId: "c-2",
      lines: [{ sku: "MUG", description: "Mug", quantity: 1, unitPrice: usd(amount), tax: usd(0) }],
      tenders: [{ type: "store_credit" as const, amount: usd(amount), sealed: sealed.sealed, last4: sealed.last4 }],
    });
    await agent("r2").recordSale(credit(1500));
    await expect(agent("r2").recordSale(credit(1000))).rejects.toMatchObject({ code: "insufficient_balance" });
    await until("the redemption in the ledger", async () => {
      const b = await giftCardBalance(url("r1"), number, "store_credit");
      return b.held.amount === 0 && b.balance.amount === 500;
    });
  });

  it("a manager voids a card: its balance comes off as a void entry and no register can spend it after", async () => {
    const number = await giftCard(4000);
    const sealed = await seal("r1", number);
    const voidAt = (headers: Record<string, string>) =>
      fetch(`${url("r1")}/api/v1/stored-value/void`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ kind: "gift_card", sealed: sealed.sealed, cashierId: "c-1", reason: "reported stolen" }),
      });
    const refused = await voidAt({});
    expect(refused.status).toBe(403);
    expect(await balanceAt("r1", number)).toMatchObject({ status: "active", available: usd(4000) });
    const session = await fetch(`${url("r1")}/api/v1/manager/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ managerId: DEMO_MANAGER.id, pin: DEMO_MANAGER.pin }),
    });
    const cookie = (session.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const voided = await voidAt({ cookie });
    expect(voided.status).toBe(201);
    expect(await voided.json()).toMatchObject({ kind: "gift_card", last4: sealed.last4, amount: usd(4000) });
    // Held at once where it was voided: nothing is spendable there while the void travels to the
    // ledger (a hold is its region's; another region learns of the void from the log).
    expect((await balanceAt("r1", number)).available).toEqual(usd(0));
    const after = await until("the void in the ledger", async () => {
      // r2 may ask the other region, which may not have heard of the card yet.
      const b = await balanceAt("r2", number).catch(() => undefined);
      return b?.status === "void" ? b : undefined;
    });
    expect(after).toMatchObject({ balance: usd(0), held: usd(0), available: usd(0) });
    await expect(payWithCard("r2", number, 100)).rejects.toMatchObject({ code: "account_void" });
    // Both regions book it: the issue and the void, nothing else.
    for (const region of ["A", "B"]) {
      const entries = await until(`the void in region ${region}`, async () => {
        // A region that has not heard of the account yet answers 404: ask again.
        const account = await admin(region)
          .storedValueAccount(after.token)
          .catch(() => undefined);
        return account && account.entries.length >= 2 ? account.entries : undefined;
      });
      expect(entries.map((e) => [e.kind, e.amount.amount])).toEqual([
        ["issue", 4000],
        ["void", -4000],
      ]);
    }
  });

  it("both regions report the same balance for every account, each the sum of its entries", async () => {
    const balances = await until("both regions converged", async () => {
      const [a, b] = await Promise.all([admin("A").storedValueBalances(), admin("B").storedValueBalances()]);
      const key = (x: typeof a) => JSON.stringify([...x.accounts].sort((p, q) => (p.token < q.token ? -1 : 1)));
      return a.accounts.length >= 3 && key(a) === key(b) ? a : undefined;
    });
    for (const account of balances.accounts) {
      const { entries, balance } = await admin("B").storedValueAccount(account.token);
      expect(entries.reduce((s, e) => s + e.amount.amount, 0)).toBe(balance.amount);
    }
  });
});
