import { describe, expect, it } from "vitest";
import { chooseOrder, type RegionHealthView } from "./region-selection.ts";

const r = (name: string, probeOk: boolean | null, healthySince: number | null = probeOk ? 0 : null): RegionHealthView => ({
  name,
  probeOk,
  healthySince,
});

describe("chooseOrder", () => {
  it("starts at home, fails over by priority, and puts regions whose probe failed last", () => {
    expect(chooseOrder([r("A", null), r("B", null)], null, 0, 1000)).toEqual(["A", "B"]);
    expect(chooseOrder([r("A", false), r("B", true), r("C", true)], "A", 0, 1000)).toEqual(["B", "C", "A"]);
    expect(chooseOrder([r("A", false), r("B", false)], "A", 0, 1000)).toEqual(["A", "B"]);
  });

  it("keeps the region that took the last batch first when every probe failed, not home", () => {
    // Home is down; the other region's probe timed out under load just after it took a batch.
    expect(chooseOrder([r("A", false), r("B", false)], "B", 0, 1000)).toEqual(["B", "A"]);
    expect(chooseOrder([r("A", false), r("B", false), r("C", false)], null, 0, 1000)).toEqual(["A", "B", "C"]);
  });

  it("fails back to a higher-priority region only after it stayed healthy for the failback time", () => {
    const regions = [r("A", true, 10_000), r("B", true, 0)];
    expect(chooseOrder(regions, "B", 10_500, 1000)).toEqual(["B", "A"]);
    expect(chooseOrder(regions, "B", 11_000, 1000)).toEqual(["A", "B"]);
    // A lower-priority region never pulls the current one away.
    expect(chooseOrder([r("A", true, 0), r("B", true, 0)], "A", 99_999, 1000)).toEqual(["A", "B"]);
  });

  it("a region that is up but recently failed (healthySince reset) is not failed back to", () => {
    expect(chooseOrder([r("A", true, null), r("B", true, 0)], "B", 50_000, 1000)).toEqual(["B", "A"]);
  });
});
