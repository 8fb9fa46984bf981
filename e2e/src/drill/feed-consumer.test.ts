import type { FeedItem } from "@tenderline/shared";
import { describe, expect, it } from "vitest";
import { classifyDeliveries, feedItemKey } from "./feed-consumer.ts";

const event = (cursor: string, eventId: string, mayRepeat = false): FeedItem => ({
  cursor,
  region: "A",
  originRegion: "A",
  kind: "event",
  ingestedAt: "2026-01-01T00:00:00.000Z",
  event: { eventId },
  reconciliation: null,
  ...(mayRepeat ? { mayRepeat: true as const } : {}),
});

describe("the drill's feed consumer", () => {
  it("keys events by event id and tender results by event and tender", () => {
    expect(feedItemKey(event("e.1.", "ev-1"))).toBe("event:ev-1");
    expect(
      feedItemKey({
        ...event("e.2.", "x"),
        kind: "tender_result",
        event: null,
        reconciliation: { eventId: "ev-1", tenderId: "t1" },
      }),
    ).toBe("result:ev-1:t1");
  });

  it("de-duplicates by event id and tells marked repeats from unmarked ones", () => {
    const seen = classifyDeliveries([
      event("a.1.", "ev-1"),
      event("a.2.", "ev-2"),
      event("b.3.", "ev-2", true),
      event("b.4.", "ev-1"),
      event("b.5.", "ev-3", true),
    ]);
    expect([...seen.eventIds.keys()]).toEqual(["ev-1", "ev-2", "ev-3"]);
    expect(seen.repeats).toEqual([
      { key: "event:ev-2", firstCursor: "a.2.", cursor: "b.3.", marked: true },
      { key: "event:ev-1", firstCursor: "a.1.", cursor: "b.4.", marked: false },
    ]);
  });
});
