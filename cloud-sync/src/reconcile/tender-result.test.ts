import { describe, expect, it } from "vitest";
import { nextAttemptAt } from "./backoff.ts";
import { resultRecord, tenderResult, tenderResultId } from "./tender-result.ts";

const ref = {
  eventId: "01a216c9-65c0-73ce-8584-43569acd7abb",
  transactionId: "S",
  tenderId: "S-t1",
  storeId: "s1",
  terminalTxnId: "T-S",
  expected: { amount: 3000, currency: "USD" },
};

describe("tender results", () => {
  it("have an id and content that depend only on the tender and the answer", () => {
    const id = tenderResultId(ref.eventId, ref.tenderId);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(tenderResultId(ref.eventId.toUpperCase(), ref.tenderId)).toBe(id);
    expect(tenderResultId(ref.eventId, "S-t2")).not.toBe(id);
    const answer = {
      terminalTxnId: "T-S",
      outcome: "matched" as const,
      authCode: "A1",
      processorRef: "R1",
      settled: ref.expected,
    };
    const inA = resultRecord(tenderResult(ref, answer), "A");
    const inB = resultRecord(tenderResult(ref, answer), "B");
    expect(inB.hash).toBe(inA.hash);
    expect(inB.body).toBe(inA.body);
    expect(inA).toMatchObject({ recordId: id, kind: "tender_result", subjectEventId: ref.eventId, tenderId: "S-t1" });
    const other = resultRecord(tenderResult(ref, { terminalTxnId: "T-S", outcome: "declined", reason: "x" }), "A");
    expect(other.hash).not.toBe(inA.hash);
  });
});

describe("nextAttemptAt", () => {
  it("doubles the wait, caps it, and never passes the deadline", () => {
    const now = 1_000_000;
    expect(nextAttemptAt(now, 0, now + 1e9, 1000, 60_000)).toBe(now + 1000);
    expect(nextAttemptAt(now, 3, now + 1e9, 1000, 60_000)).toBe(now + 8000);
    expect(nextAttemptAt(now, 20, now + 1e9, 1000, 60_000)).toBe(now + 60_000);
    expect(nextAttemptAt(now, 5, now + 500, 1000, 60_000)).toBe(now + 500);
    expect(nextAttemptAt(now, 5, now - 10, 1000, 60_000)).toBe(now + 1);
  });
});
