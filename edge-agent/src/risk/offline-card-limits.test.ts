import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { card, cash, line, post, testAgent, usd } from "../testing/fixtures.ts";

type TestAgent = ReturnType<typeof testAgent>;

const limits = { USD: { perTender: 10_000, outstanding: 25_000 } };

function sale(tenders: unknown[], total: number, overrideCode?: string) {
  return { cashierId: "c1", lines: [line("TV", 1, total, 0)], tenders, ...(overrideCode ? { overrideCode } : {}) };
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

  it("refuses an offline card tender over the per-tender cap, asking for another tender or an override", async () => {
    const res = await post(agent.app, "/api/v1/sales", sale([card(10_001)], 10_001));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("offline_card_limit");
    expect(res.body.error.message).toMatch(/another tender.*manager override code/);
    expect(outboxCount(agent)).toBe(0);
    // The same amount approved online (with an authCode) is not an offline risk.
    const online = await post(agent.app, "/api/v1/sales", sale([card(10_001, { authCode: "AUTH77" })], 10_001));
    expect(online.status).toBe(201);
  });

  it("refuses what would take the outstanding offline total over its cap, and frees room once a region acks", async () => {
    for (let i = 0; i < 2; i++) expect((await post(agent.app, "/api/v1/sales", sale([card(10_000)], 10_000))).status).toBe(201);
    const status = (await (await agent.app.request("/api/v1/queue")).json()) as {
      offlineCards: Array<{ outstanding: number; count: number; oldestAgeMs: number }>;
    };
    expect(status.offlineCards).toEqual([{ currency: "USD", outstanding: 20_000, count: 2, oldestAgeMs: expect.any(Number) }]);

    const over = await post(agent.app, "/api/v1/sales", sale([card(5_001), cash(1000)], 6_001));
    expect(over.status).toBe(422);
    expect(over.body.error.details).toMatchObject({ outstanding: 20_000, outstandingLimit: 25_000 });
    expect(outboxCount(agent)).toBe(2);
    // Exactly to the limit is allowed.
    expect((await post(agent.app, "/api/v1/sales", sale([card(5_000)], 5_000))).status).toBe(201);

    agent.outbox.markAcked([1], "A");
    expect(agent.risk.outstanding("USD")).toBe(15_000);
    expect((await post(agent.app, "/api/v1/sales", sale([card(5_001), cash(1000)], 6_001))).status).toBe(201);
  });

  it("a valid manager override lets it through and is recorded on the tender; an unknown code is refused", async () => {
    const bad = await post(agent.app, "/api/v1/sales", sale([card(12_000)], 12_000, "NOPE-0000"));
    expect(bad.status).toBe(403);
    expect(bad.body.error.code).toBe("override_code_invalid");
    expect(outboxCount(agent)).toBe(0);

    const ok = await post(agent.app, "/api/v1/sales", sale([card(12_000), card(500)], 12_500, "MGR-2468"));
    expect(ok.status).toBe(201);
    const event = JSON.parse((agent.db.prepare("SELECT body FROM outbox WHERE seq = 1").get() as { body: string }).body);
    expect(event.payload.tenders[0]).toMatchObject({
      type: "card",
      offline: true,
      overrideCode: "MGR-2468",
      amount: usd(12_000),
    });
    // Only the tender that needed it carries the override.
    expect(event.payload.tenders[1].overrideCode).toBeUndefined();
    expect(agent.risk.outstanding("USD")).toBe(12_500);
  });
});
