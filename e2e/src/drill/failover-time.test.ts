import { describe, expect, it } from "vitest";
import { failoverSeconds } from "./failover-time.ts";

describe("a register's failover time", () => {
  const killedAt = 100_000;

  it("runs from the kill to region B's first ack when the register had a sale waiting", () => {
    expect(failoverSeconds({ recordedAt: 99_000, ackedAt: 101_500 }, { killedAt })).toBe(1.5);
  });

  it("runs from the register's first sale after the kill when it had nothing to send before", () => {
    expect(failoverSeconds({ recordedAt: 130_000, ackedAt: 130_200 }, { killedAt })).toBeCloseTo(0.2);
  });

  it("leaves out the time the register's store was cut off from every region", () => {
    const storeCut = { from: 115_000, to: 168_000 };
    // Recorded during the cut, sent 0.3 s after the link came back.
    expect(failoverSeconds({ recordedAt: 123_000, ackedAt: 168_300 }, { killedAt, storeCut })).toBeCloseTo(0.3);
    // Waiting since before the cut: only the time outside it counts (2 s before, 1 s after).
    expect(failoverSeconds({ recordedAt: 113_000, ackedAt: 169_000 }, { killedAt, storeCut })).toBeCloseTo(3);
  });

  it("counts a cut that ended before the register had anything to send as no excuse", () => {
    const storeCut = { from: 101_000, to: 102_000 };
    expect(failoverSeconds({ recordedAt: 110_000, ackedAt: 117_000 }, { killedAt, storeCut })).toBe(7);
  });
});
