import { QueueStatusSchema, SaleRecordedSchema } from "@tenderline/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { card, cash, line, MANAGERS, managerCookie, managerSignOut, post, testAgent, usd } from "../testing/fixtures.ts";

type TestAgent = ReturnType<typeof testAgent>;

const limits = { USD: { perTender: 10_000, outstanding: 25_000 } };

function sale(tenders: unknown[], total: number, extra: Record<string, unknown> = {}) {
  return { cashierId: "c1", lines: [line("TV", 1, total, 0)], tenders, ...extra };
}

function outboxCount(agent: TestAgent): number {
  return (agent.db.prepare("SELECT COUNT(*) AS n FROM outbox").get() as { n: number }).n;
}

describe("offline card risk limits", () => {
  let agent: TestAgent;
  beforeEach(() => {
    agent = testAgent({ offlineCardLimits: limits });
  });
  afterEach(async () => {
    await agent.done();
  });

  it("refuses an offline card tender over the per-tender cap, asking for another tender or a manager", async () => {
    const res = await post(agent.app, "/api/v1/sales", sale([card(10_001)], 10_001));
    expect(res.status).toBe(422);
    expect(res.error().error).toBe("offline_card_limit");
    expect(res.error().message).toMatch(/another tender.*manager's approval/);
    expect(outboxCount(agent)).toBe(0);
    // The same amount approved online (with an authCode) is not an offline risk.
    const online = await post(agent.app, "/api/v1/sales", sale([card(10_001, { authCode: "AUTH77" })], 10_001));
    expect(online.status).toBe(201);
  });

  it("counts every card tender the processor has not confirmed: offline with an authCode but no processorRef is capped", async () => {
    const bypass = {
      type: "card",
      amount: usd(900_000),
      card: {
        token: "tok_x",
        last4: "4242",
        brand: "visa",
        entryMode: "chip",
        terminalTxnId: "T-9",
        authCode: "123456",
        processorRef: null,
      },
      offline: true,
    };
    const res = await post(agent.app, "/api/v1/sales", sale([bypass], 900_000));
    expect(res.status).toBe(422);
    expect(res.error().error).toBe("offline_card_limit");
    // Flagged online but without a processorRef is not online either.
    const flaggedOnline = { ...bypass, offline: false };
    expect((await post(agent.app, "/api/v1/sales", sale([flaggedOnline], 900_000))).error().error).toBe("offline_card_limit");
    expect(outboxCount(agent)).toBe(0);
  });

  it("refuses what would take the outstanding offline total over its cap, and frees room once a region acks", async () => {
    for (let i = 0; i < 2; i++) expect((await post(agent.app, "/api/v1/sales", sale([card(10_000)], 10_000))).status).toBe(201);
    const status = QueueStatusSchema.parse(await (await agent.app.request("/api/v1/queue")).json());
    expect(status.offlineCards).toEqual([{ currency: "USD", outstanding: 20_000, count: 2, oldestAgeMs: expect.any(Number) }]);

    const over = await post(agent.app, "/api/v1/sales", sale([card(5_001), cash(1000)], 6_001));
    expect(over.status).toBe(422);
    expect(over.error().details).toMatchObject({ outstanding: 20_000, outstandingLimit: 25_000 });
    expect(outboxCount(agent)).toBe(2);
    // Exactly to the limit is allowed.
    expect((await post(agent.app, "/api/v1/sales", sale([card(5_000)], 5_000))).status).toBe(201);

    agent.outbox.markAcked([1], "A");
    expect(agent.risk.outstanding("USD")).toBe(15_000);
    expect((await post(agent.app, "/api/v1/sales", sale([card(5_001), cash(1000)], 6_001))).status).toBe(201);
  });

  it("a signed-in manager lets it through, and the tender records the manager's id and time, never the PIN", async () => {
    const cookie = await managerCookie(agent.app, MANAGERS.sam);
    const ok = await post(agent.app, "/api/v1/sales", sale([card(12_000), card(500)], 12_500), { cookie });
    expect(ok.status).toBe(201);
    const body = (agent.db.prepare("SELECT body FROM outbox WHERE seq = 1").get() as { body: string }).body;
    const event = JSON.parse(body);
    expect(event.payload.tenders[0]).toMatchObject({
      type: "card",
      offline: true,
      approvedBy: { managerId: "m-2", at: event.occurredAt },
      amount: usd(12_000),
    });
    expect(Object.keys(event.payload.tenders[0].approvedBy).sort()).toEqual(["at", "managerId"]);
    // Only the tender that needed it carries the approval.
    expect(event.payload.tenders[1].approvedBy).toBeUndefined();
    expect(body).not.toContain(MANAGERS.sam.pin);
    expect(ok.parse(SaleRecordedSchema).tenders[0]).toMatchObject({ approvedBy: { managerId: "m-2" } });
    expect(agent.risk.outstanding("USD")).toBe(12_500);
  });

  it("a manager who signed out, or a made-up session, approves nothing", async () => {
    const cookie = await managerCookie(agent.app);
    const out = await managerSignOut(agent.app, cookie);
    expect(out.status).toBe(200);
    expect((await post(agent.app, "/api/v1/sales", sale([card(12_000)], 12_000), { cookie })).status).toBe(422);
    const forged = await post(agent.app, "/api/v1/sales", sale([card(12_000)], 12_000), { cookie: "tl_manager=forged" });
    expect(forged.error().error).toBe("offline_card_limit");
    expect(outboxCount(agent)).toBe(0);
  });

  it("an override code in the request is refused with a message saying how managers approve now", async () => {
    const res = await post(agent.app, "/api/v1/sales", sale([card(12_000)], 12_000, { overrideCode: "MGR-2468" }));
    expect(res.status).toBe(400);
    expect(res.error().message).toContain("overrideCode is no longer accepted");
    expect(res.error().message).toContain("/api/v1/manager/session");
    expect(outboxCount(agent)).toBe(0);
  });
});
