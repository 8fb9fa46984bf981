import { PAYLOAD_SCHEMAS, SaleLineSchema, SaleRecordedSchema } from "@tenderline/shared";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { AgentConfigInput } from "../config/config.ts";
import type { StoredValueRegionSource } from "../stored-value/cloud-stored-value.ts";
import { type FakeStoredValueRegion, startFakeStoredValueRegion } from "../stored-value/fake-stored-value-region.ts";
import { cash, line, post, testAgent, usd } from "../testing/fixtures.ts";

/** A gift card number in the retailer's range (reads as a payment card without the range). */
const GIFT = "6035710012345678904";
const GIFT_PREFIXES = ["603571"];

const running: Array<{ done: () => Promise<void> } | FakeStoredValueRegion> = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await ("done" in r ? r.done() : r.close());
});

async function fakeRegion(): Promise<FakeStoredValueRegion> {
  const fake = await startFakeStoredValueRegion();
  running.push(fake);
  return fake;
}

function agentWith(
  fake: FakeStoredValueRegion,
  storedValueRegion: StoredValueRegionSource,
  overrides: Partial<AgentConfigInput> = {},
) {
  const agent = testAgent(
    { storedValueSealKey: fake.keys.sealPublicKey, giftCardPrefixes: GIFT_PREFIXES, ...overrides },
    { startSync: false, returnsRegion: async () => null, storedValueRegion },
  );
  running.push(agent);
  return agent;
}

const SealedBody = z.object({ giftCard: z.object({ sealed: z.string(), last4: z.string() }) });
const BalanceBody = z.object({
  online: z.boolean(),
  last4: z.string(),
  html: z.string(),
  message: z.string().optional(),
  available: z.object({ amount: z.number(), currency: z.string() }).optional(),
});
const CheckoutBody = z.object({
  lines: z.array(SaleLineSchema),
  settlement: z.object({ complete: z.boolean() }).nullable(),
  cartHtml: z.string(),
});

describe("manager screen: offline gift card and store credit exposure", () => {
  it("shows an offline gift card redemption (no region answers) against the register's limit, until a region acks it", async () => {
    const fake = await fakeRegion();
    const agent = agentWith(fake, async () => null, {
      offlineStoredValueLimits: { USD: { perTender: 5000, outstanding: 8000 } },
    });
    let panel = await (await agent.app.request("/screens/manager/panel")).text();
    expect(panel).toContain("every gift card and store credit payment has reached the cloud");

    const sealed = SealedBody.parse((await post(agent.app, "/screens/api/gift-card", { code: GIFT })).body).giftCard;
    const res = await post(agent.app, "/api/v1/sales", {
      cashierId: "c-1",
      lines: [line("TEE", 1, 3000, 0)],
      tenders: [{ type: "gift_card", amount: usd(3000), giftCard: sealed }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);

    panel = await (await agent.app.request("/screens/manager/panel")).text();
    expect(panel).toContain('id="offline-stored-value" data-currency="USD"');
    expect(panel).toMatch(/\$30\.00<\/strong> of \$80\.00 limit · 1 redemption waiting for a region/);
    expect(panel).not.toContain(GIFT);
    const page = await (await agent.app.request("/manager")).text();
    expect(page).toContain("1 redemption waiting for a region");

    agent.outbox.markAcked([res.parse(SaleRecordedSchema).seq], "A");
    panel = await (await agent.app.request("/screens/manager/panel")).text();
    expect(panel).toContain("every gift card and store credit payment has reached the cloud");
  });
});

describe("cashier: gift card balance", () => {
  it("seals the scanned code and answers the region's balance; offline it says the balance cannot be checked", async () => {
    const fake = await fakeRegion();
    fake.issue("gift_card", GIFT, usd(5000));
    const online = agentWith(fake, async () => fake.region());
    const res = await post(online.app, "/screens/api/gift-card/balance", { code: GIFT });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const answer = BalanceBody.parse(res.body);
    expect(answer).toMatchObject({ online: true, last4: "8904", available: usd(5000) });
    expect(answer.html).toContain("$50.00");
    expect(JSON.stringify(res.body)).not.toContain(GIFT);
    expect(JSON.stringify(res.body)).not.toContain("token");

    const offline = agentWith(fake, async () => null);
    const none = await post(offline.app, "/screens/api/gift-card/balance", { code: GIFT });
    expect(none.status).toBe(200);
    const said = BalanceBody.parse(none.body);
    expect(said.online).toBe(false);
    expect(said.html).toContain("cannot be checked offline");
    expect(JSON.stringify(none.body)).not.toContain(GIFT);
  });

  it("refuses a payment card number without repeating it", async () => {
    const fake = await fakeRegion();
    const agent = agentWith(fake, async () => fake.region());
    const res = await post(agent.app, "/screens/api/gift-card/balance", { code: "4111111111111111" });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).not.toContain("4111111111111111");
  });
});

describe("cashier: selling and reloading a gift card on the sale", () => {
  it("quotes the card as a line of its own (quantity 1, no tax, sealed) and the sale records it for the cloud", async () => {
    const fake = await fakeRegion();
    const agent = agentWith(fake, async () => fake.region());
    const sealed = SealedBody.parse((await post(agent.app, "/screens/api/gift-card", { code: GIFT })).body).giftCard;
    const quoted = await post(agent.app, "/screens/api/checkout", {
      items: [],
      giftCardLines: [{ action: "activate", amount: usd(2500), giftCard: sealed }],
      tenders: [cash(2500)],
    });
    expect(quoted.status, JSON.stringify(quoted.body)).toBe(200);
    const checkout = CheckoutBody.parse(quoted.body);
    expect(checkout.settlement?.complete).toBe(true);
    expect(checkout.lines).toEqual([
      expect.objectContaining({
        quantity: 1,
        unitPrice: usd(2500),
        tax: usd(0),
        storedValue: { action: "activate", last4: "8904", sealed: sealed.sealed },
      }),
    ]);
    expect(checkout.cartHtml).toContain("•••• 8904");
    expect(checkout.cartHtml).not.toContain(GIFT);

    const sold = await post(agent.app, "/api/v1/sales", { cashierId: "c-1", lines: checkout.lines, tenders: [cash(2500)] });
    expect(sold.status, JSON.stringify(sold.body)).toBe(201);
    const rows = agent.db.prepare("SELECT body FROM outbox ORDER BY seq").all() as Array<{ body: string }>;
    const payload = PAYLOAD_SCHEMAS["sale.completed"].parse(JSON.parse(rows[0]?.body ?? "{}").payload);
    expect(payload.lines[0]?.storedValue).toEqual({ action: "activate", last4: "8904", sealed: sealed.sealed });

    // A reload beside an item: the item keeps its tax, the reload has none.
    const reload = CheckoutBody.parse(
      (
        await post(agent.app, "/screens/api/checkout", {
          items: [{ sku: "MUG-LOGO", quantity: 1 }],
          giftCardLines: [{ action: "load", amount: usd(1000), giftCard: sealed }],
          tenders: [],
        })
      ).body,
    );
    expect(reload.lines.map((l) => l.storedValue?.action ?? l.sku)).toEqual(["MUG-LOGO", "load"]);
  });
});

describe("return receipt: the store credit number, once", () => {
  it("the return's answer carries the number for the screen to print; the receipt the agent renders again has only the last four", async () => {
    const fake = await fakeRegion();
    const agent = agentWith(fake, async () => fake.region());
    const res = await post(
      agent.app,
      "/api/v1/returns",
      {
        cashierId: "c-2",
        reason: "gift receipt",
        items: [{ transactionId: "elsewhere-123", sku: "MUG", quantity: 1, unitPrice: usd(1800) }],
      },
      { "idempotency-key": "ret-screens-1" },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const answer = z
      .object({ transactionId: z.string(), storeCredit: z.object({ number: z.string(), last4: z.string() }) })
      .parse(res.body);
    const receipt = await (await agent.app.request(`/screens/cashier/receipt/${answer.transactionId}`)).text();
    expect(receipt).not.toContain(answer.storeCredit.number);
    const printed = await (await agent.app.request(`/screens/cashier/receipt/${answer.transactionId}/print`)).text();
    expect(printed).not.toContain(answer.storeCredit.number);
    // The cashier script writes the answer's number onto that receipt, and keeps it through a sync refresh.
    const script = await (await agent.app.request("/screens/cashier.js")).text();
    expect(script).toContain("store-credit-number");
  });
});
