import { describe, expect, it } from "vitest";
import { advanceContiguous, gapsAbove } from "./watermark.ts";

describe("watermark arithmetic", () => {
  it("advances contiguousSeq only through an unbroken run", () => {
    expect(advanceContiguous(0, [1, 2, 3, 5])).toBe(3);
    expect(advanceContiguous(3, [5, 6])).toBe(3);
    expect(advanceContiguous(3, [4, 5, 6])).toBe(6);
    expect(advanceContiguous(0, [])).toBe(0);
  });

  it("lists the missing ranges above contiguousSeq, inclusive", () => {
    expect(gapsAbove(0, [2, 4, 7])).toEqual([
      { from: 1, to: 1 },
      { from: 3, to: 3 },
      { from: 5, to: 6 },
    ]);
    expect(gapsAbove(5, [])).toEqual([]);
    expect(gapsAbove(5, [9, 10])).toEqual([{ from: 6, to: 8 }]);
  });
});
