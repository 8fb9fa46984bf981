import { describe, expect, it } from "vitest";
import { type ClientOp, checkHistory, countIds } from "./history-checker.ts";

const acked = (id: string): ClientOp => ({ opId: `op-${id}`, agent: "a1", outcome: { kind: "acked", eventId: id } });

describe("history checker", () => {
  it("passes when every acked event is held and served exactly once in every region", () => {
    const ops = [acked("e1"), acked("e2")];
    const region = { region: "a", stored: countIds(["e1", "e2"]), feed: countIds(["e2", "e1"]) };
    const verdict = checkHistory(ops, new Set(["e1", "e2"]), [region, { ...region, region: "b" }]);
    expect(verdict.valid).toBe(true);
    expect(verdict.regions.map((r) => r.ok)).toEqual([2, 2]);
  });

  it("calls an acked event missing from one region lost", () => {
    const verdict = checkHistory([acked("e1"), acked("e2")], new Set(["e1", "e2"]), [
      { region: "a", stored: countIds(["e1", "e2"]), feed: countIds(["e1", "e2"]) },
      { region: "b", stored: countIds(["e1"]), feed: countIds(["e1"]) },
    ]);
    expect(verdict.valid).toBe(false);
    expect(verdict.regions[1]?.lost).toEqual(["e2"]);
  });

  it("flags an event stored once but served twice on the feed as duplicated", () => {
    const verdict = checkHistory([acked("e1")], new Set(["e1"]), [
      { region: "a", stored: countIds(["e1"]), feed: countIds(["e1", "e1"]) },
    ]);
    expect(verdict.regions[0]?.duplicated).toEqual(["e1"]);
    expect(verdict.valid).toBe(false);
  });

  it("flags stored events no register recorded as unexpected", () => {
    const verdict = checkHistory([acked("e1")], new Set(["e1"]), [
      { region: "a", stored: countIds(["e1", "ghost"]), feed: countIds(["e1"]) },
    ]);
    expect(verdict.regions[0]?.unexpected).toEqual(["ghost"]);
    expect(verdict.valid).toBe(false);
  });

  it("counts an unanswered request whose event is stored as recovered, not as an error", () => {
    const ops: ClientOp[] = [acked("e1"), { opId: "op-x", agent: "a1", outcome: { kind: "unknown", eventId: "e9" } }];
    const verdict = checkHistory(ops, new Set(["e1", "e9"]), [
      { region: "a", stored: countIds(["e1", "e9"]), feed: countIds(["e1", "e9"]) },
    ]);
    expect(verdict.valid).toBe(true);
    expect(verdict.regions[0]?.recovered).toEqual(["e9"]);
    expect(verdict.unknown).toBe(1);
  });
});
