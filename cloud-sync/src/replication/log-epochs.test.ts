import { describe, expect, it } from "vitest";
import { type LogEpoch, mayRepeat, resumeFrom } from "./log-epochs.ts";

const epoch = (n: number, startsAfter: number, startedAt = "2026-12-01T10:00:00.000Z"): LogEpoch => ({
  n,
  epoch: `e${n}`.padEnd(12, "0"),
  startsAfter,
  startedAt,
  reason: "test",
});

describe("log epochs: which positions two histories share", () => {
  const three = [epoch(1, 0), epoch(2, 100), epoch(3, 60)];

  it("a cursor of the current epoch goes on from where it is", () => {
    expect(resumeFrom(three, three[2]?.epoch ?? "", 500)).toEqual({ valid: true, from: 500 });
  });

  it("a cursor of an earlier epoch goes on if its position is still shared, else from the newest shared one", () => {
    expect(resumeFrom(three, three[0]?.epoch ?? "", 50)).toEqual({ valid: true, from: 50 });
    // Epoch 1 shares 1..100 with epoch 2, but epoch 3 was restored to 60: only 1..60 is shared now.
    expect(resumeFrom(three, three[0]?.epoch ?? "", 80)).toEqual({ valid: false, from: 60 });
    expect(resumeFrom(three, three[1]?.epoch ?? "", 61)).toEqual({ valid: false, from: 60 });
  });

  it("an epoch the log does not know (restored to before it began) shares nothing provable: from 0", () => {
    expect(resumeFrom(three, "unknown00000", 10)).toEqual({ valid: false, from: 0 });
  });
});

describe("log epochs: what may repeat after a rewind", () => {
  const healed = epoch(2, 100, "2026-12-01T10:00:00.000Z");

  it("marks records after the epoch began whose events occurred before it (or within the margin)", () => {
    expect(mayRepeat(healed, 101, "2026-12-01T09:59:00.000Z", "2026-12-01T10:01:00.000Z")).toBe(true);
    expect(mayRepeat(healed, 101, "2026-12-01T10:05:00.000Z", "2026-12-01T10:06:00.000Z")).toBe(true);
    expect(mayRepeat(healed, 101, "2026-12-01T11:00:00.000Z", "2026-12-01T11:00:01.000Z")).toBe(false);
  });

  it("never marks the shared history, nor anything in a log that was never rewound", () => {
    expect(mayRepeat(healed, 100, "2026-12-01T09:00:00.000Z", "2026-12-01T09:00:00.000Z")).toBe(false);
    expect(mayRepeat(epoch(1, 0), 5, "2026-12-01T09:00:00.000Z", "2026-12-01T09:00:00.000Z")).toBe(false);
  });
});
