import { SaleRecordedSchema } from "@tenderline/shared";
import { describe, expect, it } from "vitest";
import { RegisterRefusal } from "../register/refusal.ts";
import { post, sampleSale, testAgent } from "../testing/fixtures.ts";
import { OfflineStoredValueRisk } from "./offline-stored-value-limits.ts";

describe("offline stored-value caps", () => {
  it("count a transaction's redemptions together against the register's outstanding cap, per currency", async () => {
    const agent = testAgent();
    try {
      const risk = new OfflineStoredValueRisk(agent.db, {
        offlineStoredValueLimits: { USD: { perTender: 4000, outstanding: 5000 }, "*": { perTender: 100, outstanding: 100 } },
      });
      const usd = (amount: number) => ({ amount, currency: "USD" });
      // Each alone is within the per-tender cap; together they pass the outstanding one.
      const two = [
        { tenderId: "t-1", kind: "gift_card" as const, amount: usd(3000) },
        { tenderId: "t-2", kind: "store_credit" as const, amount: usd(3000) },
      ];
      expect(() => risk.check(two, undefined)).toThrow(RegisterRefusal);
      expect(risk.check(two, { managerId: "m-1" })).toEqual(new Set(["t-2"]));
      expect(risk.check([{ tenderId: "t-3", kind: "gift_card", amount: usd(3000) }], undefined)).toEqual(new Set());
      // Another currency falls back to "*".
      expect(() =>
        risk.check([{ tenderId: "t-4", kind: "gift_card", amount: { amount: 200, currency: "JPY" } }], undefined),
      ).toThrow(/offline limit/);
      expect(risk.exposure()).toEqual([]);
    } finally {
      await agent.done();
    }
  });

  it("answer the same after retention prunes the rows of replicated events", async () => {
    let now = Date.UTC(2026, 0, 1);
    const agent = testAgent(
      {
        replicatedRetentionHours: 1,
        returnsWindowDays: 1,
        offlineStoredValueLimits: { USD: { perTender: 5000, outstanding: 6000 } },
      },
      { clock: () => now },
    );
    try {
      const risk = agent.storedValueRisk;
      const seqs: number[] = [];
      for (let i = 0; i < 3; i++) seqs.push((await post(agent.app, "/api/v1/sales", sampleSale())).parse(SaleRecordedSchema).seq);
      const [replicated, dead, pending] = seqs as [number, number, number];
      const usd = (amount: number) => ({ amount, currency: "USD" });
      risk.record(replicated, [{ tenderId: "t-1", kind: "gift_card", amount: usd(4000) }], now);
      risk.record(dead, [{ tenderId: "t-2", kind: "gift_card", amount: usd(2500) }], now);
      risk.record(pending, [{ tenderId: "t-3", kind: "store_credit", amount: usd(2500) }], now);
      agent.outbox.markAcked([replicated], "A", now);
      agent.outbox.markReplicatedUpTo(replicated, now);
      agent.outbox.markDead([{ seq: dead, reason: "invalid" }]);

      const answer = () => {
        try {
          return risk.check([{ tenderId: "t-4", kind: "gift_card", amount: usd(1500) }], undefined);
        } catch (error) {
          return error instanceof RegisterRefusal ? error.details : error;
        }
      };
      const before = { answer: answer(), exposure: risk.exposure() };
      // 5000 outstanding (the dead letter and the pending event): 1500 more passes the 6000 cap.
      expect(before.answer).toMatchObject({ outstanding: 5000, outstandingLimit: 6000 });

      now += 10 * 24 * 3_600_000;
      const pruned = agent.prune(now);
      expect(pruned.outbox).toBe(1);
      expect(pruned.offlineTenders).toBe(1);
      expect(risk.approvedBy("t-1")).toBeNull();
      expect({ answer: answer(), exposure: risk.exposure() }).toEqual(before);
      // The dead letter, requeued and then acked, frees its room as before.
      expect(agent.outbox.requeueDead(dead, "fixed")).toBe(true);
      agent.outbox.markAcked([dead], "A", now);
      expect(answer()).toEqual(new Set());
    } finally {
      await agent.done();
    }
  });
});
