/**
 * Returns anywhere, on real processes: two regions, the processor simulator, two stores of two
 * registers each and an online shop. A return of a sale made elsewhere is checked against the
 * cloud's merged ledger (and held there while it is recorded); with no region reachable it goes
 * to store credit, capped, and the cloud checks it once it arrives.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AgentApiError,
  AgentClient,
  type ExceptionItem,
  RegionClient,
  type ReturnRecorded,
  ReturnRecordedSchema,
  type SaleRecorded,
} from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Chain, DEMO_MANAGER } from "../chain/chain.ts";
import { OrderChannel } from "../chain/order-channel.ts";
import { until } from "../chain/until.ts";

const usd = (amount: number) => ({ amount, currency: "USD" });
const WEB = { storeId: "online", registerId: "web-1", channel: "web" };
const STORES = [
  { storeId: "s1", registers: ["s1-r1", "s1-r2"] },
  { storeId: "s2", registers: ["s2-r1", "s2-r2"] },
];

describe("returns anywhere (two stores of two registers, an online shop, two regions)", () => {
  let dir: string;
  let chain: Chain;
  let shop: OrderChannel;
  const agent = (registerId: string) => new AgentClient(chain.agents.get(registerId)?.url ?? "", { timeoutMs: 15_000 });
  const regionAs = (registerId: string) => new RegionClient(chain.regionUrl("A"), chain.tokens.registers[registerId] ?? "");
  const admin = () => new RegionClient(chain.regionUrl("A"), chain.tokens.admin);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tl-returns-"));
    chain = await new Chain({
      dataDir: dir,
      stores: STORES,
      channels: [WEB],
      viaStoreLinks: true,
      logLevel: "warn",
      agentConfig: {
        sync: { probeIntervalMs: 200, probeTimeoutMs: 1000, breakerFailures: 1, breakerCooldownMs: 500, idlePollMs: 100 },
        // Unverified returns: 50.00 per return and 200.00 a day without a manager.
        unverifiedReturnLimit: { perReturn: 5000, perDay: 20_000 },
        returnLookupTimeoutMs: 1500,
      },
    }).start();
    shop = new OrderChannel(WEB, chain.regionUrls, chain.tokens.channels[WEB.registerId] ?? "");
  }, 180_000);

  afterAll(async () => {
    await chain?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A sale of `quantity` units at 30.00 (tax 2.48 a unit), paid by card (and cash when split). */
  async function sell(registerId: string, quantity: number, split = false): Promise<SaleRecorded> {
    const total = quantity * 3248;
    const card = split ? Math.floor(total / 2) : total;
    const n = Math.floor(Math.random() * 1e9);
    const { body } = await agent(registerId).recordSale({
      cashierId: "c-1",
      lines: [{ sku: "JKT-1", description: "Jacket", quantity, unitPrice: usd(3000), tax: usd(248 * quantity) }],
      tenders: [
        {
          type: "card",
          amount: usd(card),
          offline: false,
          card: {
            token: `tok_${registerId}_${n}`,
            last4: "4242",
            brand: "visa",
            entryMode: "chip",
            terminalTxnId: `T-${registerId}-${n}`,
            authCode: "A12345",
            processorRef: `PR-${registerId}-${n}`,
          },
        },
        ...(split ? [{ type: "cash" as const, amount: usd(total - card) }] : []),
      ],
    });
    return body;
  }

  /** Waits until the region's merged ledger holds the original (what a register elsewhere asks). */
  const inLedger = (ref: string, asker = "s2-r2") =>
    until(`${ref} in the region's ledger`, () => regionAs(asker).returnOriginal(ref));

  const returnAt = (registerId: string, transactionId: string, quantity = 1, unitPrice?: number) =>
    agent(registerId).recordReturn({
      cashierId: "c-2",
      items: [{ transactionId, sku: "JKT-1", quantity, ...(unitPrice ? { unitPrice: usd(unitPrice) } : {}) }],
      reason: "changed mind",
    });

  function expectRefundToCard(returned: ReturnRecorded, original: SaleRecorded) {
    const card = original.tenders.find((t) => t.type === "card");
    expect(returned.verified).toBe(true);
    expect(returned.storeCredit).toBeUndefined();
    const slice = returned.allocation.find((a) => a.tenderType === "card");
    expect(slice?.originalTransactionId).toBe(original.transactionId);
    expect(slice?.card).toEqual({
      token: card?.type === "card" ? card.card.token : "",
      last4: "4242",
      processorRef: card?.type === "card" ? card.card.processorRef : null,
    });
  }

  it("a sale at store 1 register 1 is returned at register 2: verified by the cloud, refunded to the original tenders", async () => {
    const sale = await sell("s1-r1", 2, true);
    const original = await inLedger(sale.transactionId, "s1-r2");
    expect(original).toMatchObject({ storeId: "s1", registerId: "s1-r1", channel: null });
    const { replayed, body } = await returnAt("s1-r2", original.receiptNumber ?? sale.transactionId, 2);
    expect(replayed).toBe(false);
    expectRefundToCard(body, sale);
    // Both units, price and tax, back to the two tenders exactly as they paid.
    expect(body.refund).toEqual(usd(2 * 3248));
    expect(body.allocation.map((a) => [a.tenderType, a.amount.amount]).sort()).toEqual([
      ["card", 3248],
      ["cash", 3248],
    ]);
  });

  it("a sale at store 1 is returned at store 2, by its receipt number", async () => {
    const sale = await sell("s1-r2", 1);
    const original = await inLedger(sale.transactionId, "s2-r1");
    expect(original.receiptNumber).toMatch(/^S1-S1-R2-\d+-[0-9A-Z*]$/);
    const { body } = await returnAt("s2-r1", (original.receiptNumber ?? "").toLowerCase());
    expectRefundToCard(body, sale);
  });

  it("an online order is returned in a store, to its card by token and processor reference", async () => {
    const order = await shop.place("W000001", [{ sku: "JKT-1", quantity: 1, unitPrice: 3000, tax: 248 }], 499);
    const original = await inLedger(order.transactionId, "s2-r2");
    expect(original).toMatchObject({ kind: "order", channel: "web", storeId: "online" });
    const { body } = await returnAt("s2-r2", order.transactionId);
    expect(body.verified).toBe(true);
    expect(body.allocation).toEqual([
      {
        originalTransactionId: order.transactionId,
        tenderId: "t1",
        tenderType: "card",
        amount: usd(3248),
        card: { token: "tok_web_W000001", last4: "4242", processorRef: "PR-GW-W000001" },
      },
    ]);
  });

  it("two registers returning the same last unit at once: one is recorded, the other refused as already returned", async () => {
    const sale = await sell("s1-r1", 1);
    await inLedger(sale.transactionId, "s1-r2");
    await inLedger(sale.transactionId, "s2-r1");
    const outcomes = await Promise.allSettled([returnAt("s1-r2", sale.transactionId), returnAt("s2-r1", sale.transactionId)]);
    const recorded = outcomes.filter((o) => o.status === "fulfilled");
    const refused = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason] : []));
    expect(recorded).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(AgentApiError);
    expect(refused[0].detail).toMatch(/already returned/);
    // The refused register recorded nothing: only the winner's return reaches the region.
    const winner = recorded[0]?.status === "fulfilled" ? recorded[0].value.body : undefined;
    const after = await until("the return in the ledger", async () => {
      const o = await regionAs("s1-r1").returnOriginal(sale.transactionId);
      return o && o.lines[0]?.returned === 1 ? o : undefined;
    });
    expect(after.lines[0]).toMatchObject({ returned: 1, returnable: 0 });
    expect(winner?.verified).toBe(true);
  });

  it("offline: over the cap needs a manager; within it, store credit; the cloud later flags the one priced above the original", async () => {
    const sale = await sell("s1-r1", 3);
    await inLedger(sale.transactionId, "s2-r2");
    chain.setStoreLink("s2", false);
    try {
      // 2 × 32.48 = 64.96 is over the 50.00 cap: refused without a manager, nothing recorded.
      const before = (await agent("s2-r2").queue()).lastSeq;
      const over = await returnAt("s2-r2", sale.transactionId, 2, 3248).catch((e: unknown) => e);
      expect(over).toBeInstanceOf(AgentApiError);
      expect(over instanceof AgentApiError ? over.detail : "").toMatch(/manager/);
      expect((await agent("s2-r2").queue()).lastSeq).toBe(before);

      const correct = await returnAt("s2-r2", sale.transactionId, 1, 3248);
      expect(correct.body.verified).toBe(false);
      expect(correct.body.storeCredit?.amount).toEqual(usd(3248));
      const overpriced = await returnAt("s2-r2", sale.transactionId, 1, 4000);
      expect(overpriced.body.verified).toBe(false);

      // With a manager signed in, the over-cap return is recorded, naming the manager.
      const url = chain.agents.get("s2-r2")?.url ?? "";
      const session = await fetch(`${url}/api/v1/manager/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ managerId: DEMO_MANAGER.id, pin: DEMO_MANAGER.pin }),
      });
      expect(session.status).toBe(201);
      const cookie = (session.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
      const approved = await fetch(`${url}/api/v1/returns`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie },
        body: JSON.stringify({
          cashierId: "c-2",
          items: [{ transactionId: "some-other-store-sale", sku: "JKT-1", quantity: 2, unitPrice: usd(3248) }],
          reason: "no receipt in the system",
        }),
      });
      expect(approved.status).toBe(201);
      expect(ReturnRecordedSchema.parse(await approved.json()).verified).toBe(false);

      const events = [correct.body.eventId, overpriced.body.eventId];
      chain.setStoreLink("s2", true);
      const mismatch = await until("unverified_return_mismatch for the overpriced return", async () => {
        const list = await admin().exceptions({ kind: "unverified_return_mismatch" });
        return list.items.find((i: ExceptionItem) => JSON.stringify(i.detail).includes(overpriced.body.eventId));
      });
      expect(mismatch.storeId).toBe("s2");
      expect(JSON.stringify(mismatch.detail)).toContain("s2-r2");
      const store = new RegionClient(chain.regionUrl("A"), chain.tokens.stores.s2 ?? "");
      const statuses = await until("both returns checked", async () => {
        const list = await store.unverifiedReturns("s2");
        const mine = list.items.filter((i) => events.includes(i.returnEventId));
        return mine.length === 2 && mine.every((i) => i.status !== "waiting") ? mine : undefined;
      });
      expect(Object.fromEntries(statuses.map((s) => [s.returnEventId, s.status]))).toEqual({
        [correct.body.eventId]: "verified",
        [overpriced.body.eventId]: "mismatch",
      });
      const quiet = await admin().exceptions({ kind: "unverified_return_mismatch" });
      expect(quiet.items.some((i) => JSON.stringify(i.detail).includes(correct.body.eventId))).toBe(false);
    } finally {
      chain.setStoreLink("s2", true);
    }
  });

  it("every store's register found the others' originals in both regions", async () => {
    const b = new RegionClient(chain.regionUrl("B"), chain.tokens.registers["s2-r1"] ?? "");
    const order = shop.placed[0];
    expect(order).toBeDefined();
    const fromB = await until("the order replicated to B", () => b.returnOriginal(order?.transactionId ?? ""));
    expect(fromB.lines.find((l) => l.sku === "JKT-1")).toMatchObject({ returned: 1 });
  });
});
