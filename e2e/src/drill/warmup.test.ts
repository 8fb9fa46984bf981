import { describe, expect, it } from "vitest";
import { notYetSynced, type QueueView, warmupFailure } from "./warmup.ts";

const queue = (acked: number, pending: number): QueueView => ({
  lastSeq: acked + pending,
  counts: { pending, acked, dead: 0, unreplicated: 0 },
});

describe("the drill's warm-up", () => {
  it("waits for registers whose agent does not answer, has nothing acknowledged or still has sales pending", () => {
    expect(
      notYetSynced([
        ["r1", queue(1, 0)],
        ["r2", undefined],
        ["r3", queue(0, 1)],
        ["r4", queue(2, 1)],
        ["r5", queue(3, 0)],
      ]),
    ).toEqual(["r2", "r3", "r4"]);
  });

  it("says how many registers are still waiting, names a few, and what the operator can change", () => {
    const waiting = ["r1", "r2", "r3", "r4", "r5", "r6", "r7"];
    expect(warmupFailure(waiting, 100, 120)).toBe(
      "7 of 100 registers had not synced their first sale within 120 s (r1, r2, r3, r4, r5, …): " +
        "the machine may be too busy for this many agents; run fewer (--agents) or allow longer (--warmup)",
    );
    expect(warmupFailure(["r9"], 20, 30)).toContain("1 of 20 registers had not synced their first sale within 30 s (r9)");
  });
});
