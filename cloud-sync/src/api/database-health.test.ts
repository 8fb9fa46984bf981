import { describe, expect, it } from "vitest";
import { DatabaseHealth } from "./database-health.ts";

/** A database whose pings are counted and answered when the test says. */
function pingedDatabase() {
  const pending: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  return {
    pings: () => pending.length,
    answer: (i: number, error?: Error) => (error ? pending[i]?.reject(error) : pending[i]?.resolve()),
    db: {
      ping: () =>
        new Promise<void>((resolve, reject) => {
          pending.push({ resolve, reject });
        }),
    },
  };
}

describe("DatabaseHealth", () => {
  it("answers every check made while a ping is out with that one ping", async () => {
    const d = pingedDatabase();
    const health = new DatabaseHealth(d.db, 500, () => 0);
    const checks = Array.from({ length: 1000 }, () => health.check());
    expect(d.pings()).toBe(1);
    d.answer(0);
    expect(new Set(await Promise.all(checks))).toEqual(new Set([{ ok: true }]));
  });

  it("lets an answer stand for its freshness window, then pings again", async () => {
    const d = pingedDatabase();
    let now = 0;
    const health = new DatabaseHealth(d.db, 500, () => now);
    const first = health.check();
    d.answer(0);
    await first;
    now = 499;
    expect(await health.check()).toEqual({ ok: true });
    expect(d.pings()).toBe(1);
    now = 500;
    const second = health.check();
    expect(d.pings()).toBe(2);
    d.answer(1, new Error("connection refused"));
    expect(await second).toEqual({ ok: false, reason: "connection refused" });
  });

  it("reports a failed ping with its reason to the checks that waited for it, and pings again at the next", async () => {
    const d = pingedDatabase();
    const health = new DatabaseHealth(d.db, 500, () => 0);
    const failed = [health.check(), health.check()];
    d.answer(0, new Error("the database system is shutting down"));
    expect(await Promise.all(failed)).toEqual([
      { ok: false, reason: "the database system is shutting down" },
      { ok: false, reason: "the database system is shutting down" },
    ]);
    // Within the freshness window all the same: a failure is never reused.
    const back = health.check();
    expect(d.pings()).toBe(2);
    d.answer(1);
    expect(await back).toEqual({ ok: true });
  });
});
