import { describe, expect, it } from "vitest";
import { IdleCadence } from "./idle-cadence.ts";

describe("an idle register's status reads", () => {
  it("come twice as far apart each time they tell nothing new, up to the most", () => {
    const cadence = new IdleCadence(5000, 60_000);
    const waits = Array.from({ length: 7 }, () => cadence.next(false));
    expect(waits).toEqual([5000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000]);
  });

  it("come at the base pace again after a read with news, or after a manager's sync now", () => {
    const cadence = new IdleCadence(5000, 60_000);
    for (let i = 0; i < 5; i++) cadence.next(false);
    expect(cadence.next(true)).toBe(5000);
    for (let i = 0; i < 5; i++) cadence.next(false);
    cadence.reset();
    expect(cadence.next(false)).toBe(5000);
  });

  it("never wait less than the base, even with a most set below it", () => {
    const cadence = new IdleCadence(5000, 1000);
    expect([cadence.next(false), cadence.next(false)]).toEqual([5000, 5000]);
  });
});
