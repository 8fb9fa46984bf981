import { describe, expect, it } from "vitest";
import { envelope, exchangePayload, returnPayload, salePayload, usd } from "../testing/fixtures.ts";
import { TenderEventSchema } from "./envelope.ts";
import { describeIssues, fieldIssues, hasPanIssue } from "./issues.ts";

function issuesOf(input: unknown) {
  const result = TenderEventSchema.safeParse(input);
  if (result.success) throw new Error("expected the event to be refused");
  return { text: describeIssues(result.error), issues: fieldIssues(result.error), pan: hasPanIssue(result.error) };
}

const valid: Record<string, () => unknown> = {
  "sale.completed": salePayload,
  "return.completed": returnPayload,
  "exchange.completed": exchangePayload,
  "sale.voided": () => ({ transactionId: "txn-1", cashierId: "c-17", reason: "customer changed mind" }),
  "tender.details_updated": () => ({
    transactionId: "txn-1",
    tenderId: "tn-card",
    authCode: "A1B2C3",
    processorRef: "PR-778",
    source: "processor",
  }),
};

describe("event envelope", () => {
  it("accepts a manager's void of a gift card and refuses one no manager approved, naming the field", () => {
    const voided = {
      voidId: "v-1",
      cashierId: "c-17",
      kind: "gift_card",
      token: "sv_abc",
      last4: "8904",
      amount: usd(4200),
      holdId: "v-1",
      reason: "reported stolen",
      approvedBy: { managerId: "m-1", at: "2026-12-01T10:00:00.000Z" },
    };
    expect(TenderEventSchema.parse(envelope("stored_value.voided", voided)).type).toBe("stored_value.voided");
    const { approvedBy: _none, ...unapproved } = voided;
    expect(issuesOf(envelope("stored_value.voided", unapproved)).issues.map((i) => i.field)).toContain("payload.approvedBy");
  });

  for (const [type, payload] of Object.entries(valid)) {
    it(`accepts a well-formed ${type}`, () => {
      const parsed = TenderEventSchema.parse(envelope(type, payload()));
      expect(parsed.type).toBe(type);
      expect(parsed.payload).toMatchObject(payload() as object);
    });

    it(`refuses a ${type} with a broken payload, naming the field`, () => {
      const broken = payload() as Record<string, unknown>;
      broken.transactionId = "";
      const { issues } = issuesOf(envelope(type, broken));
      expect(issues.map((i) => i.field)).toContain("payload.transactionId");
    });
  }

  it("refuses an unknown type with the list of known ones", () => {
    const { text } = issuesOf(envelope("sale.refunded", salePayload()));
    expect(text).toMatch(/type must be one of sale\.completed/);
  });

  it("requires a UUIDv7 event id", () => {
    const ev = { ...envelope("sale.completed", salePayload()), eventId: "3b241101-e2bb-4255-8caf-4136c566a962" };
    expect(issuesOf(ev).text).toMatch(/eventId: eventId must be a UUIDv7/);
  });

  it("requires seq from 1 and an occurredAt with an offset", () => {
    const ev = { ...envelope("sale.completed", salePayload()), seq: 0, occurredAt: "2026-11-26T09:30:00" };
    const fields = issuesOf(ev).issues.map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(["seq", "occurredAt"]));
  });

  it("refuses floating point money with a message about minor units", () => {
    const sale = salePayload();
    sale.lines[0]!.unitPrice = { amount: 19.99, currency: "USD" };
    const { issues } = issuesOf(envelope("sale.completed", sale));
    expect(issues).toContainEqual({
      field: "payload.lines[0].unitPrice.amount",
      message: expect.stringMatching(/integer number of minor units/),
    });
  });

  it("refuses a lower-case or made-up currency code", () => {
    const sale = salePayload();
    sale.totals.total = { amount: 4328, currency: "usd" };
    expect(issuesOf(envelope("sale.completed", sale)).text).toMatch(
      /payload\.totals\.total\.currency: currency must be a 3-letter ISO-4217/,
    );
  });

  it("refuses a card tender without a token", () => {
    const sale = salePayload();
    (sale.tenders[0] as { card: { token: string } }).card.token = "";
    expect(issuesOf(envelope("sale.completed", sale)).text).toMatch(/payload\.tenders\[0\]\.card\.token/);
  });

  it("refuses a full card number in a nested field and names the field, not the digits", () => {
    const sale = salePayload() as Record<string, unknown>;
    (sale.lines as Array<Record<string, unknown>>)[0]!.description = "card 4111 1111 1111 1111";
    const { text, pan } = issuesOf(envelope("sale.completed", sale));
    expect(pan).toBe(true);
    expect(text).toContain("payload.lines[0].description");
    expect(text).not.toMatch(/4111/);
  });

  it("refuses a card number hidden in a field the schema does not know", () => {
    const ev = { ...envelope("sale.voided", valid["sale.voided"]!()), notes: { free: "5555-5555-5555-4444" } };
    const { text, pan } = issuesOf(ev);
    expect(pan).toBe(true);
    expect(text).toContain("notes.free");
  });

  it("lets order numbers and other non-Luhn digit runs through", () => {
    const voided = { transactionId: "ORD-4111111111111112", cashierId: "c-17", reason: "order 1234567890123" };
    expect(TenderEventSchema.safeParse(envelope("sale.voided", voided)).success).toBe(true);
  });

  it("accepts a refund of zero-amount change as absent", () => {
    const sale = salePayload();
    (sale as { change?: unknown }).change = undefined;
    sale.tenders[1] = { tenderId: "tn-cash", type: "cash", amount: usd(1328), tendered: usd(1328), change: usd(0) };
    expect(TenderEventSchema.safeParse(envelope("sale.completed", sale)).success).toBe(true);
  });
});
