import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newEventId } from "../ids/event-id.ts";
import {
  assertNoPan,
  containsPan,
  fieldHoldsPan,
  findPanFields,
  formatPath,
  gtinValid,
  holdsPan,
  luhnValid,
  maskPans,
  numberHoldsPan,
  PanDetectedError,
} from "./pan-guard.ts";

describe("PAN guard", () => {
  it("knows the Luhn check", () => {
    expect(luhnValid("4111111111111111")).toBe(true);
    expect(luhnValid("4111111111111112")).toBe(false);
    expect(luhnValid("378282246310005")).toBe(true);
  });

  it("finds card numbers plain, spaced and dashed, at every brand's length", () => {
    expect(containsPan("4111111111111111")).toBe(true);
    expect(containsPan("pan 4111 1111 1111 1111 end")).toBe(true);
    expect(containsPan("5555-5555-5555-4444")).toBe(true);
    expect(containsPan("3782 822463 10005")).toBe(true); // Amex grouping, 15 digits
    expect(containsPan("30569309025904")).toBe(true); // Diners, 14 digits
    expect(containsPan("6011000990139424")).toBe(true);
    expect(containsPan("6799990100000000019")).toBe(true); // Maestro, 19 digits
  });

  it("lets digit runs through that are not card numbers", () => {
    expect(containsPan("order 4111111111111112")).toBe(false); // fails Luhn
    expect(containsPan("T-000123")).toBe(false);
    expect(containsPan("424242424242")).toBe(false); // 12 digits, too short
    expect(containsPan("4242")).toBe(false);
    expect(containsPan("2026-11-26T09:30:00.000Z")).toBe(false);
    // Luhn-valid, but no brand issues it: 13 digits (Visa's 13-digit cards are retired), or a 1 or 7 in front.
    expect(containsPan("4222222222222")).toBe(false);
    expect(containsPan("1234567812345670")).toBe(false);
    expect(containsPan("7000000000000007")).toBe(false);
  });

  it("never takes an event id for a card number, though its digit groups can join into a Luhn-valid run", () => {
    // Found in the wild: these digits join into 3510318055121, 13 digits that pass the Luhn check.
    expect(containsPan("01a216cb-73a9-779a-be35-10318055121e")).toBe(false);
    expect(containsPan("12345678-1234-4234-8234-123456789012")).toBe(false);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), () => {
        expect(containsPan(newEventId())).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  it("catches numbers glued to letters, hex letters included; only whole digests and UUIDs are exempt", () => {
    expect(containsPan("ref-x4111111111111111")).toBe(true);
    expect(containsPan("pan4111111111111111")).toBe(true);
    expect(containsPan("card4111111111111111")).toBe(true);
    expect(containsPan("4111111111111111faded")).toBe(true);
    expect(containsPan("note: cafe4111111111111111 paid")).toBe(true);
    expect(containsPan("sha-ab4111111111111111cd")).toBe(true);
    expect(containsPan("tok_4111111111111111")).toBe(true);
    expect(containsPan("card: 4111-1111-1111-1111.")).toBe(true);
    // A sha-256 digest whose digits happen to start like a card is a digest.
    expect(containsPan(`a${"4111111111111111".padEnd(63, "0")}`)).toBe(false);
    expect(containsPan("id 01a216cb-73a9-779a-be35-10318055121e in text")).toBe(false);
  });

  it("reads the ways people and card readers write a number", () => {
    const pan = "4111111111111111";
    const formats = [
      "4111.1111.1111.1111",
      "4111/1111/1111/1111",
      "4111\t1111\t1111\t1111",
      "4111\u00a01111\u00a01111\u00a01111",
      "4111\u20091111\u20091111\u20091111",
      "4111  1111  1111  1111",
      "４１１１ １１１１ １１１１ １１１１",
      "٤١١١ ١١١١ ١١١١ ١١١١",
      `${pan} 12/27`,
      `${pan}1227`,
      `${pan} 123`,
      `${pan}=27121010000`,
      `card: ${pan} exp 1227 cvv 123`,
    ];
    for (const f of formats) expect(containsPan(f), f).toBe(true);
  });

  it("takes a Luhn-valid GTIN in a barcode field, and a processor reference unless it is a card number", () => {
    expect(fieldHoldsPan("sku", "14006381333938")).toBe(false);
    expect(fieldHoldsPan("description", "14006381333938")).toBe(false);
    // A GTIN-14 that a brand could issue: a barcode in `sku`, refused in free text.
    const gtin14 = "30000000000087";
    expect(gtinValid(gtin14)).toBe(true);
    expect(fieldHoldsPan("sku", gtin14)).toBe(false);
    expect(fieldHoldsPan("description", gtin14)).toBe(true);
    expect(fieldHoldsPan("sku", "4111111111111111")).toBe(true); // not a GTIN length
    expect(fieldHoldsPan("processorRef", "SIM-4111111111111111999999")).toBe(false);
    expect(fieldHoldsPan("processorRef", "4111111111111111 123")).toBe(true);
    expect(fieldHoldsPan("terminalTxnId", "T-4111111111111111")).toBe(true);
    expect(fieldHoldsPan("processorRef", "PR-4111111111111111")).toBe(true);
    expect(fieldHoldsPan("processorRef", "4111 1111 1111 1111")).toBe(true);
  });

  it("reads JSON numbers of any shape", () => {
    for (const n of [4111111111111111, 4111111111111111.0, 4.111111111111111e15, 4111111111111.111, -4111111111111111]) {
      expect(numberHoldsPan(n), String(n)).toBe(true);
    }
    expect(numberHoldsPan(1999)).toBe(false);
    expect(numberHoldsPan(1e21)).toBe(false);
    expect(numberHoldsPan(0.5)).toBe(false);
  });

  it("names every nested field that holds one, keys included", () => {
    const value = {
      payload: {
        tenders: [{ card: { token: "tok_1", note: "4111 1111 1111 1111" } }],
        lines: [{ sku: "A" }, { description: "5555555555554444" }],
      },
      [String("4012888888881881")]: "x",
      amount: 4111111111111111,
    };
    expect(findPanFields(value).map(formatPath)).toEqual([
      "payload.tenders[0].card.note",
      "payload.lines[1].description",
      "(key)",
      "amount",
    ]);
  });

  it("finds every field a plain check of every string, integer and key finds, skipping nothing by its shortcuts", () => {
    // The reference: containsPan on everything, no length or digit-run shortcuts.
    const everyField = (v: unknown, p: string[] = []): string[] => {
      if (typeof v === "string") return fieldHoldsPan(p[p.length - 1], v) ? [p.join("/")] : [];
      if (typeof v === "number") return numberHoldsPan(v) ? [p.join("/")] : [];
      if (Array.isArray(v)) return v.flatMap((item, i) => everyField(item, [...p, String(i)]));
      if (v !== null && typeof v === "object")
        return Object.entries(v).flatMap(([k, child]) => [
          ...(containsPan(k) ? [[...p, "(key)"].join("/")] : []),
          ...everyField(child, [...p, k]),
        ]);
      return [];
    };
    const pans = ["4111111111111111", "4111 1111 1111 1111", "5555-5555-5555-4444", "30569309025904", "378282246310005"];
    const text = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom(...pans, "4111111111111112", "2026-11-26T09:30:00.000Z", "ref-x4111111111111111", newEventId()),
      fc.tuple(fc.string({ maxLength: 5 }), fc.constantFrom(...pans), fc.string({ maxLength: 5 })).map((parts) => parts.join("")),
    );
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { maxDepth: 4, depthIdentifier: "v" },
        text,
        fc.integer(),
        fc.constantFrom(4111111111111111, 4111111111111112, 1e21, -4111111111111111, 0.5),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie("value"), { maxLength: 4, depthIdentifier: "v" }),
        fc
          .array(fc.tuple(text, tie("value")), { maxLength: 4, depthIdentifier: "v" })
          .map((entries) => Object.fromEntries(entries)),
      ),
    }));
    fc.assert(
      fc.property(value, (v) => {
        const expected = everyField(v);
        expect(findPanFields(v).map((p) => p.join("/"))).toEqual(expected);
        expect(holdsPan(v)).toBe(expected.length > 0);
      }),
      { numRuns: 3000 },
    );
    expect(holdsPan({ a: [{ b: "card 4111 1111 1111 1111" }] })).toBe(true);
    expect(holdsPan({ "4111111111111111": 1 })).toBe(true);
    expect(holdsPan({ amount: 4111111111111111 })).toBe(true);
    expect(holdsPan({ token: "tok_abc", last4: "1111", eventId: newEventId() })).toBe(false);
  });

  it("throws an error that names the field and never the digits", () => {
    const attempt = () => assertNoPan({ customer: { memo: "4111-1111-1111-1111" } });
    expect(attempt).toThrow(PanDetectedError);
    try {
      attempt();
    } catch (error) {
      expect((error as Error).message).toContain("customer.memo");
      expect((error as Error).message).not.toMatch(/4111/);
    }
    expect(() => assertNoPan({ last4: "1111", token: "tok_abc" })).not.toThrow();
  });

  it("masks card numbers for logs, keeping the last four", () => {
    expect(maskPans("paid with 4111 1111 1111 1111 today")).toBe("paid with **** **** **** 1111 today");
    expect(maskPans("order 4111111111111112 kept")).toBe("order 4111111111111112 kept");
    expect(maskPans("a 4111111111111111 b 5555-5555-5555-4444")).toBe("a ************1111 b ****-****-****-4444");
    expect(maskPans("٤١١١ ١١١١ ١١١١ ١١١١")).toBe("**** **** **** 1111");
  });
});
