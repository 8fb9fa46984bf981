import { describe, expect, it } from "vitest";
import { chooseOrder, type RegionHealthView, retriesSameRegion } from "./region-selection.ts";

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

describe("retriesSameRegion: where a failed batch goes next", () => {
  const region = (breakerState: "closed" | "open" | "half-open", probeOk: boolean | null) => ({
    name: "A",
    breakerState,
    probeOk,
  });

  it("back to the register's current region while nothing says it is down", () => {
    expect(retriesSameRegion(region("closed", true), "A")).toBe(true);
    expect(retriesSameRegion(region("closed", null), "A")).toBe(true);
  });

  it("on to the next once the breaker has opened or is only trying, or the probe failed with the breaker closed", () => {
    expect(retriesSameRegion(region("open", true), "A")).toBe(false);
    expect(retriesSameRegion(region("half-open", true), "A")).toBe(false);
    expect(retriesSameRegion(region("closed", false), "A")).toBe(false);
  });

  it("on to the next when the region is not yet the register's current one", () => {
    expect(retriesSameRegion(region("closed", true), "B")).toBe(false);
    expect(retriesSameRegion(region("closed", true), null)).toBe(false);
  });
});
