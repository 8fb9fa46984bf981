import { SaleRecordedSchema } from "@tenderline/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { post, sampleSale, testAgent } from "../testing/fixtures.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("retention", () => {
  let now = Date.UTC(2026, 0, 1);
  let agent: ReturnType<typeof testAgent>;
  beforeEach(() => {
    now = Date.UTC(2026, 0, 1);
    agent = testAgent({ replicatedRetentionHours: 48, returnsWindowDays: 90 }, { clock: () => now });
  });
  afterEach(() => agent.done());

  const seqs = () => (agent.db.prepare("SELECT seq FROM outbox ORDER BY seq").all() as Array<{ seq: number }>).map((r) => r.seq);

  it("prunes only outbox rows the cloud reported replicated, after the window; keeps ledger rows for the returns window", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await post(agent.app, "/api/v1/sales", sampleSale(), { "Idempotency-Key": `k${i}` });
      ids.push(res.parse(SaleRecordedSchema).transactionId);
    }
    agent.outbox.markAcked([1, 2, 3], "A", now);
    agent.outbox.markReplicatedUpTo(2, now);
    agent.outbox.markDead([{ seq: 4, reason: "invalid" }]);

    now += 47 * HOUR;
    const early = agent.prune(now);
    expect(early.outbox).toBe(0);
    // Idempotency answers only need to outlive a register's retries (a day).
    expect(early.idempotency).toBe(4);
    now += 2 * HOUR;
    const first = agent.prune(now);
    expect(first.outbox).toBe(2);
    // Acked but not replicated, and dead letters, stay whatever their age.
    expect(seqs()).toEqual([3, 4]);
    expect((await agent.app.request(`/api/v1/transactions/${ids[0]}`)).status).toBe(200);

    now += 90 * DAY;
    expect(agent.prune(now).transactions).toBe(4);
    expect((await agent.app.request(`/api/v1/transactions/${ids[0]}`)).status).toBe(404);
    expect(seqs()).toEqual([3, 4]);

    // Pruning never lets a seq be reused.
    expect((await post(agent.app, "/api/v1/sales", sampleSale())).parse(SaleRecordedSchema).seq).toBe(5);
  });
});
