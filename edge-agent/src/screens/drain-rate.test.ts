import { describe, expect, it } from "vitest";
import { DrainRate } from "./drain-rate.ts";

describe("drain rate", () => {
  it("counts events leaving the queue per second over the window, while new sales keep arriving", () => {
    let now = 0;
    const rate = new DrainRate(10_000, () => now);
    expect(rate.sample(100, 100)).toBeNull(); // nothing processed yet, one reading
    now = 2_000;
    // 20 new sales arrived and 40 events went out: processed grew by 40 in 2 s.
    expect(rate.sample(120, 80)).toBe(20);
    now = 4_000;
    expect(rate.sample(120, 80)).toBe(10); // nothing more: 40 over 4 s
  });

  it("forgets readings older than the window, and never goes negative when rows are pruned", () => {
    let now = 0;
    const rate = new DrainRate(5_000, () => now);
    rate.sample(0, 0);
    now = 1_000;
    rate.sample(100, 0);
    now = 20_000;
    expect(rate.sample(100, 0)).toBe(0); // the old burst is out of the window
    now = 21_000;
    expect(rate.sample(100, 50)).toBe(0); // a reading that looks like less processed is not a negative rate
  });
});
