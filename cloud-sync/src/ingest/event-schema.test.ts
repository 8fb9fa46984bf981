import { canonicalJson, contentHash, newEventId } from "@tenderline/shared";
import { describe, expect, it } from "vitest";
import { saleEvent } from "../testing/events.ts";
import { checkEvent, panFieldsOutsideUuids, RegionEventSchema } from "./event-schema.ts";

describe("RegionEventSchema", () => {
  it("accepts an eventId whose dashed digit runs happen to pass the Luhn check", () => {
    // Found by search: a UUIDv7 the shared guard alone reads as a 13-digit card number.
    const id = "01a216cb-73a9-779a-be35-10318055121e";
    expect(RegionEventSchema.safeParse(saleEvent({ seq: 1, eventId: id })).success).toBe(true);
  });

  it("still refuses a card number anywhere else, in any common spelling", () => {
    for (const pan of ["4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111"]) {
      const e = saleEvent({ seq: 1 }) as unknown as { payload: { cashierId: string } };
      e.payload.cashierId = pan;
      const result = RegionEventSchema.safeParse(e);
      expect(result.success).toBe(false);
      expect(JSON.stringify(result.error?.issues)).toContain("pan_detected");
    }
    expect(panFieldsOutsideUuids({ "k 4111111111111111": 1 })).toEqual([["(key)"]]);
  });

  it("validates many fresh event ids without a false card number", () => {
    for (let i = 0; i < 5000; i++) expect(panFieldsOutsideUuids({ eventId: newEventId() })).toEqual([]);
  });

  it("gives the shared canonical body and content hash of the event as received", () => {
    for (let seq = 1; seq <= 200; seq++) {
      // As a register sends it (member order of its own), parsed from the wire.
      const received = JSON.parse(JSON.stringify(saleEvent({ seq, cashAmount: seq % 3 ? 0 : seq * 7 }))) as unknown;
      const checked = checkEvent(received);
      expect(checked.ok).toBe(true);
      if (!checked.ok) continue;
      expect(checked.body).toBe(canonicalJson(received));
      expect(checked.hash).toBe(contentHash(received));
    }
  });
});
