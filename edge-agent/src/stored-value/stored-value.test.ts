import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Writable } from "node:stream";
import {
  ErrorBodySchema,
  PAYLOAD_SCHEMAS,
  RegionClient,
  ReturnRecordedSchema,
  SaleRecordedSchema,
  SealedSchema,
  StoredValueBalanceSchema,
  unsealNumber,
} from "@tenderline/shared";
import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import type { AgentConfigInput } from "../config/config.ts";
import { UnverifiedReturnsLedger } from "../returns/unverified-returns.ts";
import { cash, line, MANAGERS, managerCookie, post, testAgent, usd } from "../testing/fixtures.ts";
import type { StoredValueRegionSource } from "./cloud-stored-value.ts";
import { type FakeStoredValueRegion, startFakeStoredValueRegion } from "./fake-stored-value-region.ts";

/** A gift card number in the retailer's range: 19 digits, Luhn-valid, in a card brand's range (reads as a PAN without the range). */
const GIFT = "6035710012345678904";
const GIFT_PREFIXES = ["603571"];

type TestAgent = ReturnType<typeof testAgent> & { logs: string[]; answers: unknown[] };
const running: Array<{ done: () => Promise<void> } | FakeStoredValueRegion> = [];

afterEach(async () => {
  for (const r of running.splice(0).reverse()) await ("done" in r ? r.done() : r.close());
});

async function fakeRegion(): Promise<FakeStoredValueRegion> {
  const fake = await startFakeStoredValueRegion();
  running.push(fake);
  return fake;
}

/** A region that is configured but does not answer: started, then closed (connection refused). */
async function deadRegion(): Promise<StoredValueRegionSource> {
  const fake = await startFakeStoredValueRegion("gone");
  const region = fake.region();
  await fake.close();
  return async () => region;
}

/** An agent whose log lines are kept (debug and up), to check what it writes. */
function agentAt(
  registerId: string,
  fake: FakeStoredValueRegion,
  storedValueRegion: StoredValueRegionSource,
  overrides: Partial<AgentConfigInput> = {},
): TestAgent {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const agent = testAgent(
    { registerId, storedValueSealKey: fake.keys.sealPublicKey, giftCardPrefixes: GIFT_PREFIXES, ...overrides },
    { logger: pino({ level: "debug" }, sink), returnsRegion: async () => null, storedValueRegion },
  );
  running.push(agent);
  return Object.assign(agent, { logs, answers: [] as unknown[] });
}

/** POSTs and keeps the answer, to check later that no number was in one. */
async function send(agent: TestAgent, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await post(agent.app, path, body, headers);
  agent.answers.push(res.body);
  return res;
}

async function seal(agent: TestAgent, number: string, kind: "gift_card" | "store_credit" = "gift_card") {
  const res = await post(agent.app, "/api/v1/stored-value/seal", { kind, number });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.parse(SealedSchema);
}

const EventSchema = z.object({ eventId: z.string(), type: z.string(), occurredAt: z.string(), payload: z.unknown() });
function events(agent: TestAgent, type: string) {
  const rows = agent.db.prepare("SELECT body FROM outbox ORDER BY seq").all() as Array<{ body: string }>;
  return rows.map((r) => EventSchema.parse(JSON.parse(r.body))).filter((e) => e.type === type);
}
const sales = (agent: TestAgent) =>
  events(agent, "sale.completed").map((e) => PAYLOAD_SCHEMAS["sale.completed"].parse(e.payload));

const giftSale = (sealed: { sealed: string; last4: string }, amount: number, total = amount) => ({
  cashierId: "c-1",
  lines: [line("TEE", 1, total, 0)],
  tenders: [
    { type: "gift_card" as const, amount: usd(amount), giftCard: { sealed: sealed.sealed, last4: sealed.last4 } },
    ...(total > amount ? [cash(total - amount)] : []),
  ],
});

/** Every byte the agent keeps (database, WAL) and every line it logged: none may hold the number. */
function expectNumberNowhere(agent: TestAgent, number: string) {
  const dir = agent.config.dataDir;
  for (const file of readdirSync(dir)) {
    const bytes = readFileSync(join(dir, file));
    expect(bytes.includes(Buffer.from(number)), `${file} holds the number`).toBe(false);
  }
  expect(agent.logs.join("\n")).not.toContain(number);
  expect(agent.logs.join("\n")).not.toContain(number.slice(0, 12));
}

describe("sealing numbers: the one place a number reaches the agent", () => {
  it("seals a gift card in the retailer's range (only the regions can open it), refuses payment cards and says which setting is missing", async () => {
    const fake = await fakeRegion();
    const agent = agentAt("reg-1", fake, async () => fake.region());
    const sealed = await seal(agent, GIFT);
    expect(sealed.last4).toBe("8904");
    expect(sealed.sealed).not.toContain("12345678");
    expect(unsealNumber(fake.keys.sealPrivateKey, sealed.sealed)).toBe(GIFT);

    const pan = await post(agent.app, "/api/v1/stored-value/seal", { kind: "gift_card", number: "4111111111111111" });
    expect(pan.status).toBe(422);
    expect(pan.error().error).toBe("pan_detected");
    expect(JSON.stringify(pan.body)).not.toContain("4111111111111111");

    const plain = agentAt("reg-2", fake, async () => fake.region(), { storedValueSealKey: undefined, giftCardPrefixes: [] });
    // Without the gift range the same number reads as a payment card.
    expect((await post(plain.app, "/api/v1/stored-value/seal", { kind: "gift_card", number: GIFT })).error().error).toBe(
      "pan_detected",
    );
    const unset = await post(plain.app, "/api/v1/stored-value/seal", { kind: "gift_card", number: "GC-2024-0042" });
    expect(unset.status).toBe(409);
    expect(unset.error()).toMatchObject({ error: "stored_value_not_configured" });
    expect(unset.error().message).toContain("storedValueSealKey");
    // A page on another site cannot use the agent to seal (or probe) numbers.
    const foreign = await agent.app.request("/api/v1/stored-value/seal", {
      method: "POST",
      headers: { "content-type": "application/json", origin: "https://shop.example" },
      body: JSON.stringify({ kind: "gift_card", number: GIFT }),
    });
    expect(foreign.status).toBe(403);
    expectNumberNowhere(agent, GIFT);
  });

  it("refuses gift card tenders on a register without the seal key, naming the setting", async () => {
    const fake = await fakeRegion();
    const sealer = agentAt("reg-1", fake, async () => fake.region());
    const sealed = await seal(sealer, GIFT);
    const plain = agentAt("reg-2", fake, async () => fake.region(), { storedValueSealKey: undefined });
    const res = await post(plain.app, "/api/v1/sales", giftSale(sealed, 1000));
    expect(res.status).toBe(409);
    expect(res.error().message).toContain("storedValueSealKey");
    expect(sales(plain)).toEqual([]);
  });

  it("answers a balance by sealed number from the region, and 503 when none answers", async () => {
    const fake = await fakeRegion();
    const token = fake.issue("gift_card", GIFT, usd(5000));
    const agent = agentAt("reg-1", fake, async () => fake.region());
    const sealed = await seal(agent, GIFT);
    const res = await post(agent.app, "/api/v1/stored-value/inquiry", { kind: "gift_card", sealed: sealed.sealed });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.parse(StoredValueBalanceSchema)).toMatchObject({ token, last4: "8904", available: usd(5000) });

    const offline = agentAt("reg-2", fake, await deadRegion());
    const none = await post(offline.app, "/api/v1/stored-value/inquiry", { kind: "gift_card", sealed: sealed.sealed });
    expect(none.status).toBe(503);
    expect(none.error().error).toBe("region_unavailable");
  });
});

describe("online redemption: a hold at the region, captured by the sale", () => {
  it("holds under the tender's id and records the hold's token, last4 and id; the sealed number is not kept", async () => {
    const fake = await fakeRegion();
    const token = fake.issue("gift_card", GIFT, usd(5000));
    const agent = agentAt("reg-1", fake, async () => fake.region());
    const sealed = await seal(agent, GIFT);

    const res = await send(agent, "/api/v1/sales", giftSale(sealed, 3000, 4000));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const recorded = res.parse(SaleRecordedSchema);
    const [sale] = sales(agent);
    const tender = sale?.tenders[0];
    if (tender?.type !== "gift_card") throw new Error("the first tender is the gift card");
    expect(tender.giftCard).toEqual({ token, last4: "8904", holdId: tender.tenderId });
    expect(recorded.tenders[0]).toEqual(tender);
    expect(fake.holds.get(tender.tenderId)).toMatchObject({ token, amount: usd(3000), storeId: "store-1", registerId: "reg-1" });
    expect(fake.balance(token)?.available).toEqual(usd(2000));
    // Online, nothing counts against the offline caps.
    expect(agent.storedValueRisk.outstanding("USD")).toBe(0);
    expectNumberNowhere(agent, GIFT);
    expect(fake.bodies.join("\n")).not.toContain(GIFT);
  });

  it("a refused hold refuses the sale with the balance left; nothing is recorded", async () => {
    const fake = await fakeRegion();
    fake.issue("gift_card", GIFT, usd(2500));
    const agent = agentAt("reg-1", fake, async () => fake.region());
    const sealed = await seal(agent, GIFT);
    const res = await post(agent.app, "/api/v1/sales", giftSale(sealed, 3000));
    expect(res.status).toBe(409);
    const error = res.parse(ErrorBodySchema);
    expect(error.error).toBe("insufficient_balance");
    expect(error.message).toContain("USD 25.00 left");
    expect(error.details).toMatchObject({ available: usd(2500), tenderIndex: 0 });
    expect(sales(agent)).toEqual([]);
    expect(fake.holds.size).toBe(0);
  });

  it("two registers redeeming the whole balance at the same moment: one succeeds, the other is refused with the balance left", async () => {
    const fake = await fakeRegion();
    const token = fake.issue("gift_card", GIFT, usd(5000));
    const reg1 = agentAt("reg-1", fake, async () => fake.region());
    const reg2 = agentAt("reg-2", fake, async () => fake.region());
    const gate = fake.gateHolds(2);
    const both = Promise.all([
      post(reg1.app, "/api/v1/sales", giftSale(await seal(reg1, GIFT), 5000)),
      post(reg2.app, "/api/v1/sales", giftSale(await seal(reg2, GIFT), 5000)),
    ]);
    await gate.arrived;
    gate.go();
    const answers = await both;
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    const refused = answers.find((a) => a.status === 409);
    expect(refused?.error()).toMatchObject({ error: "insufficient_balance", details: { available: usd(0) } });
    expect(sales(reg1).length + sales(reg2).length).toBe(1);
    expect(fake.holds.size).toBe(1);
    expect(fake.balance(token)?.available).toEqual(usd(0));
  });

  it("a retry with the same Idempotency-Key after a lost answer replays without holding again", async () => {
    const fake = await fakeRegion();
    const token = fake.issue("gift_card", GIFT, usd(5000));
    const agent = agentAt("reg-1", fake, async () => fake.region());
    const body = giftSale(await seal(agent, GIFT), 2000);
    const first = await post(agent.app, "/api/v1/sales", body, { "idempotency-key": "sale-gc-1" });
    expect(first.status).toBe(201);
    const again = await post(agent.app, "/api/v1/sales", body, { "idempotency-key": "sale-gc-1" });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(fake.bodies.filter((b) => b.includes('"holdId"'))).toHaveLength(1);
    expect(fake.holds.size).toBe(1);
    expect(fake.balance(token)?.available).toEqual(usd(3000));
    expect(sales(agent)).toHaveLength(1);
  });

  it("releases the hold when the sale cannot be recorded after holding", async () => {
    const fake = await fakeRegion();
    const token = fake.issue("gift_card", GIFT, usd(5000));
    const agent = agentAt("reg-1", fake, async () => fake.region());
    const sealed = await seal(agent, GIFT);
    // The register's storage refuses the write (as a failing disk would), after the hold was taken.
    agent.db.exec("CREATE TRIGGER refuse_all BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'storage says no'); END");
    const res = await post(agent.app, "/api/v1/sales", giftSale(sealed, 2000));
    expect(res.status).toBe(500);
    expect(fake.releases).toHaveLength(1);
    expect(fake.holds.size).toBe(0);
    expect(fake.balance(token)?.available).toEqual(usd(5000));
    expect(agent.logs.join("\n")).toContain("holds released");
  });

  it("refuses store credit the region does not know, online, with a clear message", async () => {
    const fake = await fakeRegion();
    const agent = agentAt("reg-1", fake, async () => fake.region());
    const res = await post(agent.app, "/api/v1/sales", {
      cashierId: "c-1",
      lines: [line("TV", 1, 500_000, 0)],
      tenders: [{ type: "store_credit", amount: usd(500_000), creditId: "made-up" }],
    });
    expect(res.status).toBe(404);
    expect(res.error().error).toBe("account_not_found");
    expect(res.error().message).toMatch(/store credit .*refused.*never issued/);
    expect(sales(agent)).toEqual([]);
  });
});

describe("offline redemption: recorded sealed, within the register's caps", () => {
  const limits = { USD: { perTender: 5000, outstanding: 8000 } };

  it("records the sealed number with no token or hold, counted until a region acks the event", async () => {
    const fake = await fakeRegion();
    const agent = agentAt("reg-1", fake, await deadRegion(), { offlineStoredValueLimits: limits });
    const sealed = await seal(agent, GIFT);
    const res = await send(agent, "/api/v1/sales", giftSale(sealed, 4000));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const recorded = res.parse(SaleRecordedSchema);
    const tender = sales(agent)[0]?.tenders[0];
    if (tender?.type !== "gift_card") throw new Error("a gift card tender");
    expect(tender.giftCard).toEqual({ sealed: sealed.sealed, last4: "8904" });
    expect(agent.storedValueRisk.outstanding("USD")).toBe(4000);
    // Per register: a second 4000 would pass the 8000 outstanding cap.
    const over = await post(agent.app, "/api/v1/sales", giftSale(await seal(agent, GIFT), 4100));
    expect(over.status).toBe(422);
    expect(over.error().error).toBe("offline_stored_value_limit");
    agent.outbox.markAcked([recorded.seq], "A");
    expect(agent.storedValueRisk.outstanding("USD")).toBe(0);
    expectNumberNowhere(agent, GIFT);
  });

  it("past a cap a signed-in manager approves; without one it is refused and nothing recorded", async () => {
    const fake = await fakeRegion();
    const agent = agentAt("reg-1", fake, await deadRegion(), { offlineStoredValueLimits: limits });
    const body = giftSale(await seal(agent, GIFT), 6000);
    const refused = await post(agent.app, "/api/v1/sales", body);
    expect(refused.status).toBe(422);
    expect(refused.error()).toMatchObject({ error: "offline_stored_value_limit", details: { perTenderLimit: 5000 } });
    expect(refused.error().message).toContain("manager");
    expect(sales(agent)).toEqual([]);

    const cookie = await managerCookie(agent.app, MANAGERS.dana);
    const approved = await post(agent.app, "/api/v1/sales", body, { cookie });
    expect(approved.status, JSON.stringify(approved.body)).toBe(201);
    const tenderId = approved.parse(SaleRecordedSchema).tenders[0]?.tenderId as string;
    expect(agent.storedValueRisk.approvedBy(tenderId)).toBe(MANAGERS.dana.id);
  });
});

describe("gift cards sold and reloaded on a sale line", () => {
  it("records the line's sealed card for the cloud to activate; one card per line, no tax", async () => {
    const fake = await fakeRegion();
    const agent = agentAt("reg-1", fake, async () => fake.region());
    const sealed = await seal(agent, GIFT);
    const cardLine = (quantity: number, tax: number) => ({
      ...line("GIFT-50", quantity, 5000, tax),
      storedValue: { action: "activate" as const, last4: sealed.last4, sealed: sealed.sealed },
    });
    const sale = (l: ReturnType<typeof cardLine>) => ({
      cashierId: "c-1",
      lines: [l],
      tenders: [cash(l.quantity * 5000 + l.tax.amount)],
    });
    expect((await post(agent.app, "/api/v1/sales", sale(cardLine(2, 0)))).error().error).toBe("invalid_stored_value_line");
    expect((await post(agent.app, "/api/v1/sales", sale(cardLine(1, 400)))).error().error).toBe("invalid_stored_value_line");
    const ok = await post(agent.app, "/api/v1/sales", sale(cardLine(1, 0)));
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(sales(agent)[0]?.lines[0]?.storedValue).toEqual({ action: "activate", last4: "8904", sealed: sealed.sealed });
    expectNumberNowhere(agent, GIFT);
  });
});

describe("store credit issued by a return, then spent", () => {
  const StoreCreditAnswer = ReturnRecordedSchema.extend({
    storeCredit: z.object({
      creditId: z.string(),
      amount: z.object({ amount: z.number(), currency: z.string() }),
      last4: z.string(),
      number: z.string().optional(),
    }),
  });

  it("prints a new number once, records it sealed only, and the region redeems it by that number", async () => {
    const fake = await fakeRegion();
    const agent = agentAt("reg-1", fake, async () => fake.region());
    // An original no region can verify: store credit, unverified, within the caps.
    const request = {
      cashierId: "c-2",
      reason: "gift receipt",
      items: [{ transactionId: "elsewhere-123", sku: "MUG", quantity: 1, unitPrice: usd(1800) }],
    };
    const res = await send(agent, "/api/v1/returns", request, { "idempotency-key": "ret-1" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const answer = res.parse(StoreCreditAnswer);
    const number = answer.storeCredit.number as string;
    expect(number).toMatch(/^9\d{15}$/);
    expect(answer.storeCredit.last4).toBe(number.slice(-4));
    const [event] = events(agent, "return.completed").map((e) => PAYLOAD_SCHEMAS["return.completed"].parse(e.payload));
    const issued = event?.storeCredit;
    expect(issued).toMatchObject({ creditId: answer.storeCredit.creditId, amount: usd(1800), last4: number.slice(-4) });
    expect(unsealNumber(fake.keys.sealPrivateKey, issued?.sealed as string)).toBe(number);
    // The replay of the same request does not print it again: it was never kept.
    const replay = await send(agent, "/api/v1/returns", request, { "idempotency-key": "ret-1" });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.parse(StoreCreditAnswer).storeCredit.number).toBeUndefined();
    expectNumberNowhere(agent, number);

    // The region opens the account when the return's event arrives; the customer spends it with the printed number.
    const token = fake.issueSealed("store_credit", issued?.sealed as string, usd(1800));
    const sealed = await seal(agent, number, "store_credit");
    const sale = await send(agent, "/api/v1/sales", {
      cashierId: "c-1",
      lines: [line("TEE", 1, 2000, 0)],
      tenders: [{ type: "store_credit", amount: usd(1800), sealed: sealed.sealed, last4: sealed.last4 }, cash(200)],
    });
    expect(sale.status, JSON.stringify(sale.body)).toBe(201);
    const tender = sales(agent)[0]?.tenders[0];
    expect(tender).toMatchObject({ type: "store_credit", creditId: token, last4: number.slice(-4), holdId: tender?.tenderId });
    expect(fake.balance(token)?.available).toEqual(usd(0));
    // Spent: a second redemption is refused online with what is left.
    const again = await post(agent.app, "/api/v1/sales", {
      cashierId: "c-1",
      lines: [line("TEE", 1, 500, 0)],
      tenders: [{ type: "store_credit", amount: usd(500), creditId: token }],
    });
    expect(again.error()).toMatchObject({ error: "insufficient_balance", details: { available: usd(0) } });

    expectNumberNowhere(agent, number);
    expect(fake.bodies.join("\n")).not.toContain(number);
    // The number was in one answer only: the return's first.
    const withNumber = agent.answers.filter((a) => JSON.stringify(a).includes(number));
    expect(withNumber).toEqual([res.body]);
  });
});

/** A cash sale of `quantity` × `sku` at `price` (no tax) on the agent: the original a return or exchange names. */
async function cashSale(agent: TestAgent, sku: string, quantity: number, price: number): Promise<string> {
  const sale = await post(agent.app, "/api/v1/sales", {
    cashierId: "c-1",
    lines: [line(sku, quantity, price, 0)],
    tenders: [cash(quantity * price)],
  });
  return sale.parse(SaleRecordedSchema).transactionId;
}

describe("refunds the customer takes as store credit (refundTo)", () => {
  const CreditAnswer = z.object({
    allocation: z.array(
      z.object({ tenderType: z.string(), amount: z.object({ amount: z.number() }), paidAs: z.string().optional() }),
    ),
    storeCredit: z.object({ amount: z.object({ amount: z.number() }), last4: z.string(), number: z.string().optional() }),
  });

  it("a verified return to store credit uses up the original's tenders and issues one numbered credit for the whole refund", async () => {
    const fake = await fakeRegion();
    const agent = agentAt("reg-1", fake, async () => fake.region());
    const transactionId = await cashSale(agent, "TEE", 2, 1000);
    const request = {
      cashierId: "c-1",
      reason: "changed mind",
      refundTo: "store_credit",
      items: [{ transactionId, sku: "TEE", quantity: 1 }],
    };
    const res = await send(agent, "/api/v1/returns", request, { "idempotency-key": "ret-sc" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const answer = res.parse(CreditAnswer);
    expect(answer.allocation).toEqual([
      { tenderType: "cash", amount: expect.objectContaining({ amount: 1000 }), paidAs: "store_credit" },
    ]);
    expect(answer.storeCredit.amount.amount).toBe(1000);
    const number = answer.storeCredit.number as string;
    const [event] = events(agent, "return.completed").map((e) => PAYLOAD_SCHEMAS["return.completed"].parse(e.payload));
    expect(event?.verified).toBe(true);
    expect(unsealNumber(fake.keys.sealPrivateKey, event?.storeCredit?.sealed as string)).toBe(number);
    // The cash slice is used up: the other unit is all that is left to refund, by any means.
    const both = { cashierId: "c-1", reason: "changed mind", items: [{ transactionId, sku: "TEE", quantity: 2 }] };
    expect((await post(agent.app, "/api/v1/returns", both)).status).toBe(422);
    const rest = await post(agent.app, "/api/v1/returns", { ...both, items: [{ transactionId, sku: "TEE", quantity: 1 }] });
    expect(rest.parse(ReturnRecordedSchema).allocation).toEqual([
      expect.objectContaining({ tenderType: "cash", amount: usd(1000) }),
    ]);
    expect(rest.parse(ReturnRecordedSchema).storeCredit).toBeUndefined();
    // A verified credit is not an unverified refund: the register's unverified caps did not count it.
    expect(new UnverifiedReturnsLedger(agent.db, agent.config.unverifiedReturnLimit).refundedSince("USD", 0)).toBe(0);
    expectNumberNowhere(agent, number);
  });

  it("a store credit issued under the retailer's expiry rule carries its expiry in the event and on the receipt's answer", async () => {
    const fake = await fakeRegion();
    const agent = agentAt("reg-1", fake, async () => fake.region(), { storeCreditExpiryDays: 90 });
    const transactionId = await cashSale(agent, "TEE", 1, 1000);
    const res = await post(agent.app, "/api/v1/returns", {
      cashierId: "c-1",
      reason: "changed mind",
      refundTo: "store_credit",
      items: [{ transactionId, sku: "TEE", quantity: 1 }],
    });
    const [event] = events(agent, "return.completed");
    const occurredAt = event?.occurredAt ?? "";
    const payload = PAYLOAD_SCHEMAS["return.completed"].parse(event?.payload);
    const expected = new Date(Date.parse(occurredAt) + 90 * 86_400_000).toISOString();
    expect(payload.storeCredit?.expiresAt).toBe(expected);
    expect(res.parse(ReturnRecordedSchema).storeCredit?.expiresAt).toBe(expected);
  });

  it("an exchange whose new items cost less refunds the difference as store credit when asked", async () => {
    const fake = await fakeRegion();
    const agent = agentAt("reg-1", fake, async () => fake.region());
    const transactionId = await cashSale(agent, "HOODIE", 1, 3000);
    const request = {
      cashierId: "c-1",
      refundTo: "store_credit",
      returnItems: [{ transactionId, sku: "HOODIE", quantity: 1 }],
      lines: [line("TEE", 1, 1200, 0)],
    };
    const res = await send(agent, "/api/v1/exchanges", request, { "idempotency-key": "ex-sc" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const answer = res.parse(CreditAnswer);
    expect(answer.storeCredit.amount.amount).toBe(1800);
    expect(answer.allocation.every((a) => a.paidAs === "store_credit")).toBe(true);
    const [event] = events(agent, "exchange.completed").map((e) => PAYLOAD_SCHEMAS["exchange.completed"].parse(e.payload));
    expect(event?.storeCredit).toMatchObject({ amount: usd(1800), last4: answer.storeCredit.last4 });
    expect(unsealNumber(fake.keys.sealPrivateKey, event?.storeCredit?.sealed as string)).toBe(answer.storeCredit.number);
    const replay = await send(agent, "/api/v1/exchanges", request, { "idempotency-key": "ex-sc" });
    expect(replay.parse(CreditAnswer).storeCredit.number).toBeUndefined();
  });

  it("is refused, naming the setting, on a register that cannot number store credit; nothing is recorded", async () => {
    const fake = await fakeRegion();
    const agent = agentAt("reg-1", fake, async () => fake.region(), { storedValueSealKey: undefined });
    const transactionId = await cashSale(agent, "TEE", 1, 1000);
    const res = await post(agent.app, "/api/v1/returns", {
      cashierId: "c-1",
      reason: "changed mind",
      refundTo: "store_credit",
      items: [{ transactionId, sku: "TEE", quantity: 1 }],
    });
    expect(res.status).toBe(409);
    expect(res.error().message).toContain("storedValueSealKey");
    expect(events(agent, "return.completed")).toEqual([]);
  });
});

describe("voiding a card: a manager, and a region that answers", () => {
  const voidBody = (sealed: { sealed: string }) => ({
    kind: "gift_card",
    sealed: sealed.sealed,
    cashierId: "c-1",
    reason: "reported stolen",
  });

  it("holds the whole available balance under the void's id and records stored_value.voided with the manager's id", async () => {
    const fake = await fakeRegion();
    const token = fake.issue("gift_card", GIFT, usd(4200));
    const agent = agentAt("reg-1", fake, async () => fake.region());
    const sealed = await seal(agent, GIFT);
    const without = await post(agent.app, "/api/v1/stored-value/void", voidBody(sealed));
    expect(without.status).toBe(403);
    expect(without.error().error).toBe("manager_required");
    expect(fake.balance(token)?.available).toEqual(usd(4200));
    const cookie = await managerCookie(agent.app);
    const res = await send(agent, "/api/v1/stored-value/void", voidBody(sealed), { cookie, "idempotency-key": "void-1" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ kind: "gift_card", last4: "8904", amount: usd(4200) });
    expect(fake.balance(token)?.available).toEqual(usd(0));
    const [voided] = events(agent, "stored_value.voided").map((e) => PAYLOAD_SCHEMAS["stored_value.voided"].parse(e.payload));
    expect(voided).toMatchObject({
      token,
      last4: "8904",
      amount: usd(4200),
      reason: "reported stolen",
      approvedBy: { managerId: MANAGERS.dana.id },
    });
    expect(voided?.holdId).toBe(voided?.voidId);
    // A retry with the same key replays: one event, one hold.
    const again = await send(agent, "/api/v1/stored-value/void", voidBody(sealed), { cookie, "idempotency-key": "void-1" });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(events(agent, "stored_value.voided")).toHaveLength(1);
    expectNumberNowhere(agent, GIFT);
  });

  it("offline it is refused (the balance is the cloud's to close) and nothing is recorded", async () => {
    const fake = await fakeRegion();
    const agent = agentAt("reg-1", fake, await deadRegion());
    const sealed = await seal(agent, GIFT);
    const res = await post(agent.app, "/api/v1/stored-value/void", voidBody(sealed), { cookie: await managerCookie(agent.app) });
    expect(res.status).toBe(503);
    expect(res.error().error).toBe("region_unavailable");
    expect(events(agent, "stored_value.voided")).toEqual([]);
  });
});

describe("exchanges and regions that do not answer", () => {
  it("an exchange's gift card tender is held and captured like a sale's", async () => {
    const fake = await fakeRegion();
    const token = fake.issue("gift_card", GIFT, usd(5000));
    const agent = agentAt("reg-1", fake, async () => fake.region());
    const original = await post(agent.app, "/api/v1/sales", {
      cashierId: "c-1",
      lines: [line("TEE", 1, 1000, 0)],
      tenders: [cash(1000)],
    });
    const { transactionId } = original.parse(SaleRecordedSchema);
    const sealed = await seal(agent, GIFT);
    const res = await post(agent.app, "/api/v1/exchanges", {
      cashierId: "c-1",
      returnItems: [{ transactionId, sku: "TEE", quantity: 1 }],
      lines: [line("HOODIE", 1, 3000, 0)],
      tenders: [{ type: "gift_card", amount: usd(2000), giftCard: sealed }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const [exchange] = events(agent, "exchange.completed").map((e) => PAYLOAD_SCHEMAS["exchange.completed"].parse(e.payload));
    const tender = exchange?.tenders[0];
    if (tender?.type !== "gift_card") throw new Error("a gift card tender");
    expect(tender.giftCard).toEqual({ token, last4: "8904", holdId: tender.tenderId });
    expect(fake.balance(token)?.available).toEqual(usd(3000));
  });

  it("a region that takes the request but does not answer in time counts as offline: the tender is recorded sealed, and the hold it may have taken is released", async () => {
    const fake = await fakeRegion();
    const seen: string[] = [];
    const hanging = createServer((req) => {
      // Takes the request, never answers.
      seen.push(`${req.method} ${req.url}`);
    });
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    running.push({
      done: () =>
        new Promise<void>((resolve) => {
          hanging.closeAllConnections();
          hanging.close(() => resolve());
        }),
    });
    const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
    const slow = { name: "slow", client: new RegionClient(url, "tl_test_register", { timeoutMs: 150 }) };
    const agent = agentAt("reg-1", fake, async () => [slow]);
    const res = await post(agent.app, "/api/v1/sales", giftSale(await seal(agent, GIFT), 1000));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const tender = sales(agent)[0]?.tenders[0];
    if (tender?.type !== "gift_card") throw new Error("a gift card tender");
    expect(tender.giftCard.holdId).toBeUndefined();
    expect(tender.giftCard.sealed).toBeDefined();
    expect(agent.storedValueRisk.outstanding("USD")).toBe(1000);
    // The hold may have landed after all: the register asks for it back (in the background, best effort).
    await vi.waitFor(() => expect(seen).toContain(`DELETE /v1/stored-value/holds/${tender.tenderId}`));
  });

  it("offline, store credit by an id the register cannot check is capped like a gift card", async () => {
    const fake = await fakeRegion();
    const agent = agentAt("reg-1", fake, await deadRegion(), {
      offlineStoredValueLimits: { USD: { perTender: 5000, outstanding: 8000 } },
    });
    const credit = (amount: number) => ({
      cashierId: "c-1",
      lines: [line("TV", 1, amount, 0)],
      tenders: [{ type: "store_credit", amount: usd(amount), creditId: "made-up" }],
    });
    expect((await post(agent.app, "/api/v1/sales", credit(500_000))).error().error).toBe("offline_stored_value_limit");
    const ok = await post(agent.app, "/api/v1/sales", credit(3000));
    expect(ok.status).toBe(201);
    expect(sales(agent)[0]?.tenders[0]).toMatchObject({ type: "store_credit", creditId: "made-up" });
    expect(agent.storedValueRisk.exposure()).toEqual([expect.objectContaining({ currency: "USD", outstanding: 3000, count: 1 })]);
  });
});
