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

  it("prunes the offline card and stored-value rows of pruned events; what the caps count, and approvals, stay", async () => {
    const seqOf: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await post(agent.app, "/api/v1/sales", sampleSale(), { "Idempotency-Key": `o${i}` });
      seqOf.push(res.parse(SaleRecordedSchema).seq);
    }
    const [s1, s2, s3, s4, s5] = seqOf as [number, number, number, number, number];
    const usd = (amount: number) => ({ amount, currency: "USD" });
    agent.storedValueRisk.record(s1, [{ tenderId: "sv-1", kind: "gift_card", amount: usd(1000) }], now);
    agent.storedValueRisk.record(
      s2,
      [{ tenderId: "sv-2", kind: "store_credit", amount: usd(2000) }],
      now,
      new Map([["sv-2", "m-1"]]),
    );
    agent.storedValueRisk.record(s3, [{ tenderId: "sv-3", kind: "gift_card", amount: usd(3000) }], now);
    agent.storedValueRisk.record(s4, [{ tenderId: "sv-4", kind: "gift_card", amount: usd(4000) }], now);
    agent.storedValueRisk.record(s5, [{ tenderId: "sv-5", kind: "store_credit", amount: usd(500) }], now);
    for (const [seq, tenderId, amount] of [
      [s1, "c-1", 100],
      [s3, "c-3", 300],
      [s4, "c-4", 400],
      [s5, "c-5", 50],
    ] as const)
      agent.risk.record(seq, [{ tenderId, amount: usd(amount) }], now);
    // 1 and 2 replicated (prunable after the window), 3 acked only, 4 a dead letter, 5 pending.
    agent.outbox.markAcked([s1, s2, s3], "A", now);
    agent.outbox.markReplicatedUpTo(s2, now);
    agent.outbox.markDead([{ seq: s4, reason: "invalid" }]);

    const rows = (table: string) =>
      (agent.db.prepare(`SELECT tender_id AS id FROM ${table} ORDER BY tender_id`).all() as Array<{ id: string }>).map(
        (r) => r.id,
      );
    const caps = () => ({
      storedValue: agent.storedValueRisk.exposure(),
      card: agent.risk.exposure(),
      storedValueOutstanding: agent.storedValueRisk.outstanding("USD"),
      cardOutstanding: agent.risk.outstanding("USD"),
    });
    const before = caps();
    // The dead letter and the pending event count; acked ones do not.
    expect(before).toMatchObject({ storedValueOutstanding: 4500, cardOutstanding: 450 });

    now += 47 * HOUR;
    expect(agent.prune(now).offlineTenders).toBe(0);
    now += 2 * HOUR;
    const first = agent.prune(now);
    expect(first.outbox).toBe(2);
    // Event 1's rows go with it; event 2's stored-value row holds a manager's approval, which its
    // event does not carry, so it stays for the returns window like the transaction.
    expect(first.offlineTenders).toBe(2);
    expect(rows("offline_stored_value_tenders")).toEqual(["sv-2", "sv-3", "sv-4", "sv-5"]);
    expect(rows("offline_card_tenders")).toEqual(["c-3", "c-4", "c-5"]);
    expect(agent.storedValueRisk.approvedBy("sv-2")).toBe("m-1");
    expect(caps()).toEqual(before);

    now += 90 * DAY;
    const second = agent.prune(now);
    expect(second.offlineTenders).toBe(1);
    expect(agent.storedValueRisk.approvedBy("sv-2")).toBeNull();
    // Rows whose event is still in the outbox stay whatever their age: acked-not-replicated,
    // dead (it may be requeued) and pending.
    expect(rows("offline_stored_value_tenders")).toEqual(["sv-3", "sv-4", "sv-5"]);
    expect(rows("offline_card_tenders")).toEqual(["c-3", "c-4", "c-5"]);
    expect(caps()).toEqual(before);
    expect(agent.prune(now).offlineTenders).toBe(0);
  });

  it("keeps rows a region stopped holding: a replicatedSeq that goes backwards holds them back from pruning", () => {
    for (let i = 0; i < 6; i++) agent.service.recordSale(sampleSale());
    agent.outbox.markAcked([1, 2, 3, 4, 5, 6], "A", now);
    agent.outbox.markReplicatedUpTo(6, now);
    // Later the region is restored from a backup that had only 1..3 everywhere.
    now += 10 * HOUR;
    agent.outbox.markReplicatedUpTo(3, now);
    now += 40 * HOUR;
    expect(agent.prune(now).outbox).toBe(3);
    expect(seqs()).toEqual([4, 5, 6]);
    now += 100 * DAY;
    expect(agent.prune(now).outbox).toBe(0);
    expect(seqs()).toEqual([4, 5, 6]);
  });
});
