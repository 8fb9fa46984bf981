import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import {
  ExchangeRecordedSchema,
  PAYLOAD_SCHEMAS,
  RegionClient,
  ReturnRecordedSchema,
  SaleRecordedSchema,
  type SaleRequest,
} from "@tenderline/shared";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { AgentConfigInput } from "../config/config.ts";
import { card, cash, line, MANAGERS, managerCookie, post, testAgent } from "../testing/fixtures.ts";
import type { ReturnsRegionSource } from "./cloud-returns.ts";
import { type FakeReturnsRegion, startFakeReturnsRegion } from "./fake-returns-region.ts";

const EventSchema = z.object({ eventId: z.string(), type: z.string(), payload: z.unknown() });

type TestAgent = ReturnType<typeof testAgent>;
const running: Array<{ done: () => Promise<void> } | FakeReturnsRegion> = [];

afterEach(async () => {
  for (const r of running.splice(0).reverse()) await ("done" in r ? r.done() : r.close());
});

function agentAt(
  registerId: string,
  returnsRegion: ReturnsRegionSource,
  overrides: Partial<AgentConfigInput> = {},
  clock?: () => number,
): TestAgent {
  const agent = testAgent({ registerId, ...overrides }, { returnsRegion, ...(clock ? { clock } : {}) });
  running.push(agent);
  return agent;
}

async function fakeRegion(): Promise<FakeReturnsRegion> {
  const fake = await startFakeReturnsRegion();
  running.push(fake);
  return fake;
}

/** A region that is configured but does not answer: started, then closed (connection refused). */
async function deadRegion(): Promise<ReturnsRegionSource> {
  const fake = await startFakeReturnsRegion("gone");
  const region = fake.region();
  await fake.close();
  return async () => region;
}

/** The events an agent recorded, as its outbox holds them. */
function events(agent: TestAgent, type?: string) {
  const rows = agent.db.prepare("SELECT body FROM outbox ORDER BY seq").all() as Array<{ body: string }>;
  return rows.map((r) => EventSchema.parse(JSON.parse(r.body))).filter((e) => type === undefined || e.type === type);
}

function returnEvents(agent: TestAgent) {
  return events(agent, "return.completed").map((e) => ({
    eventId: e.eventId,
    payload: PAYLOAD_SCHEMAS["return.completed"].parse(e.payload),
  }));
}

/** Records a sale at `agent` and hands it to the fake cloud, as the merged ledger would know it. */
async function saleKnownToCloud(agent: TestAgent, fake: FakeReturnsRegion, sale: SaleRequest) {
  const res = await post(agent.app, "/api/v1/sales", sale);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const recorded = res.parse(SaleRecordedSchema);
  fake.addOriginal({
    transactionId: recorded.transactionId,
    storeId: agent.config.storeId,
    registerId: agent.config.registerId,
    lines: sale.lines,
    tenders: recorded.tenders,
  });
  return recorded;
}

const tees = (quantity: number): SaleRequest => ({
  cashierId: "c-1",
  lines: [line("TEE", quantity, 1000, 100)],
  tenders: [card(1000 * quantity + 100, { authCode: "OK1234" })],
});

const returnOf = (transactionId: string, sku = "TEE", quantity = 1, unitPrice?: number) => ({
  cashierId: "c-2",
  reason: "changed mind",
  items: [
    { transactionId, sku, quantity, ...(unitPrice !== undefined ? { unitPrice: { amount: unitPrice, currency: "USD" } } : {}) },
  ],
});

describe("returns of another register's sale, verified by the cloud", () => {
  it("refunds the original card by token and processorRef, reserved under the return's own event id", async () => {
    const fake = await fakeRegion();
    const reg1 = agentAt("reg-1", async () => null);
    const reg2 = agentAt("reg-2", async () => fake.region());
    const sale = tees(2);
    const original = await saleKnownToCloud(reg1, fake, sale);

    const res = await post(reg2.app, "/api/v1/returns", returnOf(original.transactionId));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const recorded = res.parse(ReturnRecordedSchema);
    // The answer is the contract's, field for field (the OpenAPI contract test compares it so).
    expect(recorded).toEqual(res.body);
    expect(recorded.verified).toBe(true);
    expect(recorded.storeCredit).toBeUndefined();
    const saleCard = sale.tenders[0];
    if (saleCard?.type !== "card") throw new Error("the sale was paid by card");
    expect(recorded.allocation).toEqual([
      {
        originalTransactionId: original.transactionId,
        tenderId: original.tenders[0]?.tenderId,
        tenderType: "card",
        amount: { amount: 1050, currency: "USD" },
        card: { token: saleCard.card.token, last4: "4242", processorRef: "PR-1" },
      },
    ]);

    const [event] = returnEvents(reg2);
    expect(event?.eventId).toBe(recorded.eventId);
    expect([...fake.reservations.keys()]).toEqual([recorded.eventId]);
    expect(fake.reservations.get(recorded.eventId)).toEqual({
      returnEventId: recorded.eventId,
      storeId: "store-1",
      registerId: "reg-2",
      originals: [
        {
          transactionId: original.transactionId,
          items: [{ sku: "TEE", quantity: 1 }],
          refunds: [{ tenderId: original.tenders[0]?.tenderId, amount: { amount: 1050, currency: "USD" } }],
        },
      ],
    });
    expect(event?.payload).toMatchObject({
      verified: true,
      verifiedBy: "cloud",
      originals: [{ transactionId: original.transactionId, storeId: "store-1", registerId: "reg-1" }],
    });
    expect(fake.releases).toEqual([]);
  });

  it("an Idempotency-Key retry of a cloud-verified return answers the first answer without reserving again", async () => {
    const fake = await fakeRegion();
    const reg1 = agentAt("reg-1", async () => null);
    const reg2 = agentAt("reg-2", async () => fake.region());
    const original = await saleKnownToCloud(reg1, fake, tees(2));
    const first = await post(reg2.app, "/api/v1/returns", returnOf(original.transactionId), { "idempotency-key": "ret-1" });
    const again = await post(reg2.app, "/api/v1/returns", returnOf(original.transactionId), { "idempotency-key": "ret-1" });
    expect(first.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(fake.posted).toHaveLength(1);
    expect(returnEvents(reg2)).toHaveLength(1);
  });

  it("a retry sent while the first request still waits on its reservation waits for it and replays its answer: one hold, one event", async () => {
    const fake = await fakeRegion();
    const reg1 = agentAt("reg-1", async () => null);
    const reg2 = agentAt("reg-2", async () => fake.region());
    const original = await saleKnownToCloud(reg1, fake, tees(1));

    // The first request's reservation is at the region, unanswered, when its client gives up and retries.
    const gate = fake.holdReservations();
    const first = post(reg2.app, "/api/v1/returns", returnOf(original.transactionId), { "idempotency-key": "ret-slow" });
    await gate.arrived;
    const retry = post(reg2.app, "/api/v1/returns", returnOf(original.transactionId), { "idempotency-key": "ret-slow" });
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    gate.go();

    const [a, b] = await Promise.all([first, retry]);
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    // Racing, the retry saw the first's hold as another return's and was refused: the last unit looked taken.
    expect(b.status, JSON.stringify(b.body)).toBe(201);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    expect(b.body).toEqual(a.body);
    expect(fake.posted).toHaveLength(1);
    expect(fake.lookups).toHaveLength(1);
    expect(fake.releases).toEqual([]);
    expect(returnEvents(reg2)).toHaveLength(1);
  });

  it("two registers returning the same last unit at once: one 201, one refusal saying it was already returned, nothing recorded", async () => {
    const fake = await fakeRegion();
    const reg1 = agentAt("reg-1", async () => null);
    const reg2 = agentAt("reg-2", async () => fake.region());
    const reg3 = agentAt("reg-3", async () => fake.region());
    const original = await saleKnownToCloud(reg1, fake, tees(1));

    // Both look the original up (one unit left) before either reservation is decided.
    const gate = fake.holdReservations();
    const first = post(reg2.app, "/api/v1/returns", returnOf(original.transactionId));
    await gate.arrived;
    const second = post(reg3.app, "/api/v1/returns", returnOf(original.transactionId));
    while (fake.lookups.length < 2) await new Promise((r) => setImmediate(r));
    gate.go();

    const [a, b] = await Promise.all([first, second]);
    expect(a.status).toBe(201);
    expect(b.status).toBe(409);
    expect(b.error().error).toBe("already_returned");
    expect(b.error().message).toMatch(/already returned/);
    expect(events(reg3)).toEqual([]);
    expect(returnEvents(reg2)).toHaveLength(1);
  });

  it("a recording that fails after the reservation releases it, and records nothing", async () => {
    const fake = await fakeRegion();
    const reg1 = agentAt("reg-1", async () => null);
    const reg2 = agentAt("reg-2", async () => fake.region());
    const cloudSale = await saleKnownToCloud(reg1, fake, tees(1));

    // While the return's reservation is out, the register's disk starts refusing writes.
    const gate = fake.holdReservations();
    const refused = post(reg2.app, "/api/v1/returns", returnOf(cloudSale.transactionId));
    await gate.arrived;
    reg2.db.exec("CREATE TRIGGER refuse_writes BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END");
    gate.go();

    const answer = await refused;
    expect(answer.status).toBe(500);
    const reserved = fake.posted[0]?.returnEventId;
    expect(reserved).toBeDefined();
    expect(fake.releases).toEqual([reserved]);
    expect(fake.reservations.size).toBe(0);
    reg2.db.exec("DROP TRIGGER refuse_writes");
    expect(returnEvents(reg2)).toEqual([]);
  });
});

describe("returns with no region to verify them", () => {
  it("a region that takes the call and never answers: after the lookup timeout, recorded unverified", async () => {
    const sockets = new Set<Socket>();
    const silent = createServer(() => {});
    silent.on("connection", (s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    running.push({
      done: () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy();
          silent.close(() => resolve());
        }),
    });
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const reg2 = agentAt("reg-2", async () => ({ name: "silent", client: new RegionClient(url, "tl_test") }), {
      returnLookupTimeoutMs: 100,
    });
    const res = await post(reg2.app, "/api/v1/returns", returnOf("tx-elsewhere", "TEE", 1, 1000));
    expect(res.status).toBe(201);
    expect(res.parse(ReturnRecordedSchema).verified).toBe(false);
  });

  it("within the cap: recorded unverified, to store credit at the declared price", async () => {
    const reg2 = agentAt("reg-2", await deadRegion());
    const res = await post(reg2.app, "/api/v1/returns", returnOf("tx-elsewhere", "TEE", 2, 1100));
    expect(res.status).toBe(201);
    const recorded = res.parse(ReturnRecordedSchema);
    expect(recorded.verified).toBe(false);
    expect(recorded.allocation).toEqual([]);
    expect(recorded.storeCredit?.amount).toEqual({ amount: 2200, currency: "USD" });
    const [event] = returnEvents(reg2);
    expect(event?.payload.verifiedBy).toBeUndefined();
    expect(event?.payload.approvedBy).toBeUndefined();
  });

  it("an original the cloud does not know either (404) is treated like offline: unverified and capped", async () => {
    const fake = await fakeRegion();
    const reg2 = agentAt("reg-2", async () => fake.region(), { unverifiedReturnLimit: { perReturn: 1000, perDay: 5000 } });
    const within = await post(reg2.app, "/api/v1/returns", returnOf("tx-unknown", "TEE", 1, 900));
    expect(within.status).toBe(201);
    expect(within.parse(ReturnRecordedSchema).verified).toBe(false);
    const over = await post(reg2.app, "/api/v1/returns", returnOf("tx-unknown-2", "TEE", 1, 1100));
    expect(over.status).toBe(422);
    expect(fake.lookups).toEqual(["tx-unknown", "tx-unknown-2"]);
    expect(fake.reservations.size).toBe(0);
  });

  it("over the per-return cap: refused without a manager (nothing recorded), recorded with approvedBy when one is signed in", async () => {
    const reg2 = agentAt("reg-2", async () => null, { unverifiedReturnLimit: { perReturn: 5000, perDay: 100_000 } });
    const body = returnOf("tx-elsewhere", "TEE", 1000, 9_999_999);
    const refused = await post(reg2.app, "/api/v1/returns", body);
    expect(refused.status).toBe(422);
    expect(refused.error().error).toBe("unverified_return_limit");
    expect(refused.error().message).toMatch(/manager must approve/);
    expect(events(reg2)).toEqual([]);

    const smaller = returnOf("tx-elsewhere", "TEE", 1, 6000);
    const cookie = await managerCookie(reg2.app);
    const approved = await post(reg2.app, "/api/v1/returns", smaller, { cookie });
    expect(approved.status).toBe(201);
    const [event] = returnEvents(reg2);
    expect(event?.payload.approvedBy?.managerId).toBe(MANAGERS.dana.id);
    expect(event?.payload.storeCredit?.amount.amount).toBe(6000);
  });

  it("the per-day cap counts every unverified return of the register that day", async () => {
    const reg2 = agentAt("reg-2", async () => null, { unverifiedReturnLimit: { perReturn: 5000, perDay: 8000 } });
    expect((await post(reg2.app, "/api/v1/returns", returnOf("tx-a", "TEE", 1, 4000))).status).toBe(201);
    expect((await post(reg2.app, "/api/v1/returns", returnOf("tx-b", "TEE", 1, 3000))).status).toBe(201);
    const third = await post(reg2.app, "/api/v1/returns", returnOf("tx-c", "TEE", 1, 2000));
    expect(third.status).toBe(422);
    expect(third.error().error).toBe("unverified_return_limit");
    expect(third.error().details).toMatchObject({ refundedToday: 7000, perDayLimit: 8000 });
    // Within what is left of the day, no manager needed.
    expect((await post(reg2.app, "/api/v1/returns", returnOf("tx-d", "TEE", 1, 1000))).status).toBe(201);
    const cookie = await managerCookie(reg2.app);
    expect((await post(reg2.app, "/api/v1/returns", returnOf("tx-c", "TEE", 1, 2000), { cookie })).status).toBe(201);
    expect(returnEvents(reg2).map((e) => e.payload.approvedBy?.managerId ?? null)).toEqual([null, null, null, MANAGERS.dana.id]);
  });
});

describe("the manager screen's unverified returns", () => {
  it("lists this register's unverified returns, waiting first, with the cloud's status when a region answers", async () => {
    const fake = await fakeRegion();
    let online = false;
    let now = Date.now();
    const reg2 = agentAt(
      "reg-2",
      async () => (online ? fake.region() : null),
      {},
      () => now,
    );
    const a = (await post(reg2.app, "/api/v1/returns", returnOf("tx-a", "TEE", 1, 1000))).parse(ReturnRecordedSchema);
    const b = (await post(reg2.app, "/api/v1/returns", returnOf("tx-b", "TEE", 1, 2000))).parse(ReturnRecordedSchema);

    // Offline: still readable, from the register's own ledger.
    const offline = await (await reg2.app.request("/screens/manager/panel")).text();
    expect(offline).toContain('id="unverified-returns" data-waiting="2"');
    expect(offline).toContain(a.transactionId);
    expect(offline).toContain(b.transactionId);
    expect(offline).toMatch(/Cloud status not available/);

    online = true;
    const at = "2026-12-01T10:00:00.000Z";
    const common = { storeId: "store-1", registerId: "reg-2", occurredAt: at, approvedBy: null, reason: null };
    fake.setUnverified([
      {
        ...common,
        returnEventId: b.eventId,
        transactionId: b.transactionId,
        refund: { amount: 2000, currency: "USD" },
        status: "verified",
      },
      {
        ...common,
        returnEventId: a.eventId,
        transactionId: a.transactionId,
        refund: { amount: 1000, currency: "USD" },
        status: "waiting",
      },
    ]);
    // The screen keeps the cloud's answer for a few seconds (it polls): move past that.
    now += 10_000;
    const panel = await (await reg2.app.request("/screens/manager/panel")).text();
    expect(panel).toContain('id="unverified-returns" data-waiting="1"');
    expect(panel).toContain(`Cloud status from region ${fake.name}`);
    expect(panel.indexOf(a.transactionId)).toBeLessThan(panel.indexOf(b.transactionId));
    expect(panel).toMatch(new RegExp(`data-transaction-id="${a.transactionId}" data-cloud-status="waiting"`));
    expect(panel).toMatch(new RegExp(`data-transaction-id="${b.transactionId}" data-cloud-status="verified"`));
  });
});

describe("returns of this register's own sale while a region answers", () => {
  it("count units another register returned through the cloud, and hold what they take at the cloud", async () => {
    const fake = await fakeRegion();
    const reg1 = agentAt("reg-1", async () => fake.region());
    const original = await saleKnownToCloud(reg1, fake, tees(2));
    // One of the two tees came back at another register: only the cloud knows.
    fake.markReturned(original.transactionId, 0, 1);

    const both = await post(reg1.app, "/api/v1/returns", returnOf(original.transactionId, "TEE", 2));
    expect(both.status).toBe(422);
    expect(both.error().error).toBe("over_return");
    expect(returnEvents(reg1)).toHaveLength(0);

    const one = await post(reg1.app, "/api/v1/returns", returnOf(original.transactionId, "TEE", 1));
    expect(one.status, JSON.stringify(one.body)).toBe(201);
    const recorded = one.parse(ReturnRecordedSchema);
    // Verified by the register's own ledger, and held at the cloud under the return's event id.
    expect(recorded.verified).toBe(true);
    expect(recorded.verifiedBy).toBeUndefined();
    expect(fake.reservations.get(recorded.eventId)?.originals).toEqual([
      {
        transactionId: original.transactionId,
        items: [{ sku: "TEE", quantity: 1 }],
        refunds: [{ tenderId: original.tenders[0]?.tenderId, amount: { amount: 1050, currency: "USD" } }],
      },
    ]);
  });

  it("two returns of one sale at once, by its id and by its receipt number: the second is looked up and allocated only after the first is recorded", async () => {
    const fake = await fakeRegion();
    const reg1 = agentAt("reg-1", async () => fake.region());
    const sale: SaleRequest = {
      cashierId: "c-1",
      lines: [line("TEE", 2, 1000, 100)],
      tenders: [cash(1000), card(1100, { authCode: "OK1234" })],
    };
    const original = await saleKnownToCloud(reg1, fake, sale);

    const gate = fake.holdReservations();
    const first = post(reg1.app, "/api/v1/returns", returnOf(original.transactionId, "TEE", 1));
    await gate.arrived;
    // The second names the sale by its receipt number, as typed (lower case): still the same sale.
    expect(original.receiptNumber).toBeDefined();
    const second = post(reg1.app, "/api/v1/returns", returnOf(String(original.receiptNumber).toLowerCase(), "TEE", 1));
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    // Racing, the second would plan now around the first's hold, and could record before it.
    expect(fake.lookups).toHaveLength(1);
    gate.go();

    const [a, b] = await Promise.all([first, second]);
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    expect(b.status, JSON.stringify(b.body)).toBe(201);
    const [ra, rb] = [a.parse(ReturnRecordedSchema), b.parse(ReturnRecordedSchema)];
    expect(ra.seq).toBeLessThan(rb.seq);
    expect(fake.lookups).toHaveLength(2);
    // Between them the two refunds pay back each tender once, never more than it paid.
    const paidBack = new Map<string, number>();
    for (const l of [...ra.allocation, ...rb.allocation])
      paidBack.set(l.tenderId, (paidBack.get(l.tenderId) ?? 0) + l.amount.amount);
    for (const t of original.tenders) expect(paidBack.get(t.tenderId) ?? 0).toBe(t.amount.amount);
  });

  it("go by the register's ledger alone when the cloud does not know the sale yet, or cannot be reached", async () => {
    const fake = await fakeRegion();
    const reg1 = agentAt("reg-1", async () => fake.region());
    const sale = await post(reg1.app, "/api/v1/sales", tees(1));
    const { transactionId } = sale.parse(SaleRecordedSchema);
    const here = await post(reg1.app, "/api/v1/returns", returnOf(transactionId));
    expect(here.status, JSON.stringify(here.body)).toBe(201);
    expect(here.parse(ReturnRecordedSchema).verified).toBe(true);
    expect(fake.reservations.size).toBe(0);

    const offline = agentAt("reg-9", await deadRegion());
    const again = await post(offline.app, "/api/v1/sales", tees(1));
    const returned = await post(offline.app, "/api/v1/returns", returnOf(again.parse(SaleRecordedSchema).transactionId));
    expect(returned.status, JSON.stringify(returned.body)).toBe(201);
    expect(returned.parse(ReturnRecordedSchema).verified).toBe(true);
  });
});

describe("exchanges of this register's own sale while a region answers", () => {
  it("refuse units another register returned through the cloud, and hold what they take at the cloud", async () => {
    const fake = await fakeRegion();
    const reg1 = agentAt("reg-1", async () => fake.region());
    const original = await saleKnownToCloud(reg1, fake, tees(1));
    const exchange = (transactionId: string) => ({
      cashierId: "c-2",
      reason: "wrong size",
      returnItems: [{ transactionId, sku: "TEE", quantity: 1 }],
      lines: [line("TEE-L", 1, 1000, 100)],
      tenders: [],
    });
    fake.markReturned(original.transactionId, 0, 1);
    const refused = await post(reg1.app, "/api/v1/exchanges", exchange(original.transactionId));
    expect(refused.status).toBe(422);
    expect(refused.error().error).toBe("over_return");
    expect(events(reg1, "exchange.completed")).toHaveLength(0);

    const other = await saleKnownToCloud(reg1, fake, tees(1));
    const ok = await post(reg1.app, "/api/v1/exchanges", exchange(other.transactionId));
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    const recorded = ok.parse(ExchangeRecordedSchema);
    expect(fake.reservations.get(recorded.eventId)?.originals).toEqual([
      { transactionId: other.transactionId, items: [{ sku: "TEE", quantity: 1 }], refunds: [] },
    ]);
    expect(events(reg1, "exchange.completed").map((e) => e.eventId)).toEqual([recorded.eventId]);
  });
});

describe("the regions a return asks", () => {
  it("are tried in the sync engine's order: one that does not answer is passed over for the next", async () => {
    const gone = await startFakeReturnsRegion("gone");
    const dead = gone.region();
    await gone.close();
    const fake = await fakeRegion();
    const reg1 = agentAt("reg-1", async () => null);
    const reg2 = agentAt("reg-2", async () => [dead, fake.region()]);
    const original = await saleKnownToCloud(reg1, fake, tees(1));
    const res = await post(reg2.app, "/api/v1/returns", returnOf(original.transactionId));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const recorded = res.parse(ReturnRecordedSchema);
    expect(recorded.verifiedBy).toBe("cloud");
    expect([...fake.reservations.keys()]).toEqual([recorded.eventId]);
  });
});
