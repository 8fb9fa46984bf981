import { canonicalJson, contentHash, newEventId } from "@tenderline/shared";
import { describe, expect, it } from "vitest";
import { saleEvent } from "../testing/events.ts";
import { checkEvent } from "./event-schema.ts";

describe("checkEvent", () => {
  it("accepts an eventId whose dashed digit runs happen to pass the Luhn check", () => {
    // Found by search: a UUIDv7 whose digit groups join into a Luhn-valid 13-digit run.
    const id = "01a216cb-73a9-779a-be35-10318055121e";
    expect(checkEvent(saleEvent({ seq: 1, eventId: id })).ok).toBe(true);
  });

  it("still refuses a card number anywhere else, in any common spelling", () => {
    for (const pan of ["4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111"]) {
      const e = saleEvent({ seq: 1 }) as unknown as { payload: { cashierId: string } };
      e.payload.cashierId = pan;
      const result = checkEvent(e);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.pan).toBe(true);
    }
    const keyed = saleEvent({ seq: 1 }) as unknown as { payload: Record<string, unknown> };
    keyed.payload["k 4111111111111111"] = 1;
    const result = checkEvent(keyed);
    expect(!result.ok && result.pan).toBe(true);
  });

  it("validates many fresh event ids without a false card number", () => {
    for (let i = 0; i < 5000; i++) expect(checkEvent(saleEvent({ seq: 1, eventId: newEventId() })).ok).toBe(true);
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
