import { describe, expect, it } from "vitest";
import { RegisterRefusal } from "../register/refusal.ts";
import { testAgent } from "../testing/fixtures.ts";
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
});
