import { ErrorBodySchema, MoneySchema, ReturnRecordedSchema, SaleRecordedSchema, type SaleRequest } from "@tenderline/shared";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { ReturnsRegionSource } from "../returns/cloud-returns.ts";
import { type FakeReturnsRegion, startFakeReturnsRegion } from "../returns/fake-returns-region.ts";
import { card, cash, line, post, testAgent } from "../testing/fixtures.ts";

/**
 * The cashier screen returns a sale this register does not hold (another register's, another
 * store's, an online order) as the register API does: found, previewed and recorded by the cloud.
 */
type TestAgent = ReturnType<typeof testAgent>;
const running: Array<{ done: () => Promise<void> } | FakeReturnsRegion> = [];

afterEach(async () => {
  for (const r of running.splice(0).reverse()) await ("done" in r ? r.done() : r.close());
});

function agentAt(registerId: string, returnsRegion: ReturnsRegionSource): TestAgent {
  const agent = testAgent({ registerId }, { returnsRegion, startSync: false });
  running.push(agent);
  return agent;
}

async function fakeRegion(): Promise<FakeReturnsRegion> {
  const fake = await startFakeReturnsRegion("region-a");
  running.push(fake);
  return fake;
}

const OriginalBodySchema = z.object({ transactionId: z.string(), receiptNumber: z.string().nullable(), html: z.string() });
const MaskedAllocationSchema = z.strictObject({
  originalTransactionId: z.string(),
  tenderId: z.string(),
  tenderType: z.string(),
  amount: MoneySchema,
  card: z.strictObject({ last4: z.string() }).optional(),
});
const PreviewBodySchema = z.object({
  kind: z.literal("return"),
  html: z.string(),
  preview: z.object({ refund: MoneySchema, allocation: z.array(MaskedAllocationSchema) }),
});

const get = async (agent: TestAgent, path: string) => {
  const res = await agent.app.request(path);
  return { status: res.status, text: await res.text() };
};

const json = (body: unknown) => ({ method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });

/** A sale recorded at `agent` and handed to the fake cloud as the merged ledger knows it (with its receipt number). */
async function saleKnownToCloud(agent: TestAgent, fake: FakeReturnsRegion, sale: SaleRequest, channel?: string) {
  const res = await post(agent.app, "/api/v1/sales", sale);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const recorded = res.parse(SaleRecordedSchema.extend({ receiptNumber: z.string() }));
  fake.addOriginal({
    transactionId: recorded.transactionId,
    receiptNumber: recorded.receiptNumber,
    storeId: agent.config.storeId,
    registerId: agent.config.registerId,
    ...(channel ? { channel } : {}),
    lines: sale.lines,
    tenders: recorded.tenders,
  });
  return recorded;
}

const teesAndMug = (): SaleRequest => ({
  cashierId: "c-1",
  lines: [line("TEE", 3, 1000, 150), line("MUG", 1, 800, 64)],
  tenders: [card(3000 + 150 + 864, { authCode: "OK1234" })],
});

describe("cashier screen: an original sold at another register", () => {
  it("finds reg-1's sale at reg-2 by its receipt number, with the cloud's returnable units and where it was sold", async () => {
    const fake = await fakeRegion();
    const reg1 = agentAt("reg-1", async () => null);
    const reg2 = agentAt("reg-2", async () => fake.region());
    const sale = teesAndMug();
    const original = await saleKnownToCloud(reg1, fake, sale);
    // One tee already went back at a third register: the cloud knows, reg-2 does not.
    fake.markReturned(original.transactionId, 0, 1);

    const res = await get(
      reg2,
      `/screens/cashier/return-original/${encodeURIComponent(` ${original.receiptNumber.toLowerCase()} `)}`,
    );
    expect(res.status, res.text).toBe(200);
    const body = OriginalBodySchema.parse(JSON.parse(res.text));
    expect(body.transactionId).toBe(original.transactionId);
    expect(body.receiptNumber).toBe(original.receiptNumber);
    expect(fake.lookups).toEqual([original.receiptNumber]);
    // The quantity fields carry the cloud original's transaction id: confirming posts it.
    expect(body.html).toContain(`data-transaction-id="${original.transactionId}"`);
    expect(body.html).toMatch(/max="2"[^>]*data-return-sku="TEE"/);
    expect(body.html).toMatch(/max="1"[^>]*data-return-sku="MUG"/);
    expect(body.html).toContain("Sold at store store-1, register reg-1");
    expect(body.html).toContain("verified by the cloud (region region-a)");
    expect(body.html).toContain("$40.14");
    const saleCard = sale.tenders[0];
    if (saleCard?.type !== "card") throw new Error("the sale was paid by card");
    expect(res.text).not.toContain(saleCard.card.token);
  });

  it("previews the refund exactly as the recorded return allocates it, the card named by brand and last four", async () => {
    const fake = await fakeRegion();
    const reg1 = agentAt("reg-1", async () => null);
    const reg2 = agentAt("reg-2", async () => fake.region());
    const sale: SaleRequest = {
      cashierId: "c-1",
      lines: [line("TEE", 2, 1000, 100)],
      tenders: [card(1500, { authCode: "OK1234", last4: "1881" }), cash(600)],
    };
    const original = await saleKnownToCloud(reg1, fake, sale);
    const items = [{ transactionId: original.transactionId, sku: "TEE", quantity: 2 }];

    const res = await reg2.app.request("/screens/api/return-preview", json({ items }));
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const preview = PreviewBodySchema.parse(JSON.parse(text));
    expect(preview.preview.refund).toEqual({ amount: 2100, currency: "USD" });
    expect(preview.html).toContain("Visa •••• 1881");
    expect(preview.html).toContain("Cash");
    const saleCard = sale.tenders[0];
    if (saleCard?.type !== "card") throw new Error("the sale was paid by card");
    expect(text).not.toContain(saleCard.card.token);
    // Previewing holds nothing at the cloud and records nothing.
    expect(fake.posted).toEqual([]);
    expect(reg2.outbox.seq).toBe(0);

    const recorded = await post(reg2.app, "/api/v1/returns", { cashierId: "c-2", reason: "too small", items });
    expect(recorded.status, JSON.stringify(recorded.body)).toBe(201);
    const answer = recorded.parse(ReturnRecordedSchema);
    expect(answer.verifiedBy).toBe("cloud");
    expect(preview.preview.allocation).toEqual(
      answer.allocation.map(({ card: c, ...a }) => (c ? { ...a, card: { last4: c.last4 } } : a)),
    );
    expect(answer.allocation.map((a) => a.tenderType)).toEqual(["card", "cash"]);

    // The return's receipt names the card it went back to by its last four.
    const receipt = await get(reg2, `/screens/cashier/receipt/${answer.transactionId}`);
    expect(receipt.status).toBe(200);
    expect(receipt.text).toContain("Card •••• 1881");
    expect(receipt.text).not.toContain(saleCard.card.token);

    // Looked up again: the cloud now holds the units for the recorded return, none is left.
    const again = OriginalBodySchema.parse(
      JSON.parse((await get(reg2, `/screens/cashier/return-original/${original.transactionId}`)).text),
    );
    expect(again.html).toMatch(/max="0"[^>]*data-return-sku="TEE"/);
  });

  it("names an online order by its channel", async () => {
    const fake = await fakeRegion();
    const web = agentAt("web-1", async () => null);
    const reg2 = agentAt("reg-2", async () => fake.region());
    const order = await saleKnownToCloud(web, fake, teesAndMug(), "web");
    const res = await get(reg2, `/screens/cashier/return-original/${order.transactionId}`);
    expect(res.status, res.text).toBe(200);
    expect(OriginalBodySchema.parse(JSON.parse(res.text)).html).toContain("Online order (web)");
  });

  it("answers 404 when no region answers, the cloud does not know it, or no region is set; 422 for a mistyped number", async () => {
    const fake = await fakeRegion();
    const reg1 = agentAt("reg-1", async () => null);
    const original = await saleKnownToCloud(reg1, fake, teesAndMug());

    // A region that is configured but gone (connection refused).
    const gone = await startFakeReturnsRegion("gone");
    const deadRegion = gone.region();
    await gone.close();
    const offline = agentAt("reg-2", async () => deadRegion);
    const res = await get(offline, `/screens/cashier/return-original/${original.receiptNumber}`);
    expect(res.status).toBe(404);
    expect(ErrorBodySchema.parse(JSON.parse(res.text)).message).toContain(
      "no receipt with that number on this register, and no region could find it (no region answered)",
    );
    const preview = await offline.app.request(
      "/screens/api/return-preview",
      json({ items: [{ transactionId: original.transactionId, sku: "TEE", quantity: 1 }] }),
    );
    expect(preview.status).toBe(422);
    expect(ErrorBodySchema.parse(await preview.json()).error).toBe("original_not_found");

    const reg3 = agentAt("reg-3", async () => fake.region());
    const unknown = await get(reg3, "/screens/cashier/return-original/tx-nobody-sold");
    expect(unknown.status).toBe(404);
    expect(ErrorBodySchema.parse(JSON.parse(unknown.text)).message).toContain("region region-a does not know it");

    const noRegion = agentAt("reg-4", async () => null);
    const none = await get(noRegion, `/screens/cashier/return-original/${original.transactionId}`);
    expect(none.status).toBe(404);
    expect(ErrorBodySchema.parse(JSON.parse(none.text)).message).toContain("no region could find it");

    const lookups = fake.lookups.length;
    const last = original.receiptNumber.slice(-1);
    const mistyped = `${original.receiptNumber.slice(0, -1)}${last === "0" ? "1" : "0"}`;
    const bad = await get(reg3, `/screens/cashier/return-original/${mistyped}`);
    expect(bad.status).toBe(422);
    expect(ErrorBodySchema.parse(JSON.parse(bad.text)).error).toBe("invalid_receipt_number");
    expect(fake.lookups.length).toBe(lookups);
  });
});
