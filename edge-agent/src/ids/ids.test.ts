import { isEventId } from "@tenderline/shared";
import { describe, expect, it } from "vitest";
import { mintId } from "./ids.ts";

describe("mintId", () => {
  it("mints valid, unique, time-ordered UUIDv7s, also thousands within one millisecond", () => {
    const ids = Array.from({ length: 5000 }, () => mintId(1_795_000_000_000));
    for (const id of ids.slice(0, 50)) expect(isEventId(id)).toBe(true);
    expect(isEventId(ids[4999] as string)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    const later = mintId(1_795_000_000_000 + 60_000);
    expect(later > (ids[4999] as string)).toBe(true);
    // The timestamp is readable from the first 48 bits.
    expect(Number.parseInt(later.replace(/-/g, "").slice(0, 12), 16)).toBe(1_795_000_060_000);
  });
});
