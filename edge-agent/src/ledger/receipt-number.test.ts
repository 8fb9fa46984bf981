import {
  ErrorBodySchema,
  isReceiptNumber,
  ReceiptViewSchema,
  receiptNumber,
  SaleCompletedSchema,
  SaleRecordedSchema,
} from "@tenderline/shared";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { post, sampleSale, testAgent } from "../testing/fixtures.ts";
import { parseReceiptRef } from "./ledger.ts";

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of open.splice(0)) await close();
});

function agent() {
  const a = testAgent({ storeId: "s1", registerId: "r2" }, { startSync: false });
  open.push(a.done);
  return a;
}

/** POST /api/v1/sales answers the receipt number too (not yet in the shared SaleRecordedSchema). */
const SaleWithNumberSchema = SaleRecordedSchema.extend({ receiptNumber: z.string() });

async function recordSale(a: ReturnType<typeof agent>) {
  return (await post(a.app, "/api/v1/sales", sampleSale())).parse(SaleWithNumberSchema);
}

function lookup(a: ReturnType<typeof agent>, ref: string) {
  return a.app.request(`/api/v1/transactions/${encodeURIComponent(ref)}`);
}

describe("receipt numbers", () => {
  it("every sale gets the receipt number of its own seq, in its recorded event and in the API's answer", async () => {
    const a = agent();
    const first = await recordSale(a);
    const second = await recordSale(a);
    expect(first.receiptNumber).toBe(receiptNumber("s1", "r2", first.seq));
    expect(second.receiptNumber).toBe(receiptNumber("s1", "r2", second.seq));
    expect(first.receiptNumber).toBe(receiptNumber("S1", "R2", 1));
    expect(isReceiptNumber(second.receiptNumber)).toBe(true);
    // The number is in the event as recorded (what the cloud receives), not added later.
    const row = a.db.prepare("SELECT body FROM outbox WHERE seq = ?").get(second.seq) as { body: string };
    const event = z.object({ seq: z.number(), payload: SaleCompletedSchema }).parse(JSON.parse(row.body));
    expect(event.payload.receiptNumber).toBe(receiptNumber("s1", "r2", event.seq));
  });

  it("sales recorded in one group commit each carry their own seq's number", async () => {
    const a = agent();
    const answers = await Promise.all(Array.from({ length: 8 }, () => recordSale(a)));
    expect(new Set(answers.map((s) => s.seq)).size).toBe(8);
    for (const s of answers) expect(s.receiptNumber).toBe(receiptNumber("s1", "r2", s.seq));
  });

  it("the ledger finds a sale by its receipt number in any case with spaces around it, and still by its transaction id", async () => {
    const a = agent();
    await recordSale(a);
    const sale = await recordSale(a);
    for (const ref of [sale.transactionId, sale.receiptNumber, `  ${sale.receiptNumber.toLowerCase()} `]) {
      const res = await lookup(a, ref);
      expect(res.status, ref).toBe(200);
      const view = ReceiptViewSchema.parse(await res.json());
      expect(view.transactionId).toBe(sale.transactionId);
      expect(view.receipt.receiptNumber).toBe(sale.receiptNumber);
      expect(view.seq).toBe(sale.seq);
    }
    expect(a.ledger.get(sale.receiptNumber.toLowerCase())?.transactionId).toBe(sale.transactionId);
  });

  it("a receipt number with a wrong check character is a 422 that says to re-type or scan it, not a 404", async () => {
    const a = agent();
    const sale = await recordSale(a);
    const check = sale.receiptNumber.slice(-1);
    const wrong = `${sale.receiptNumber.slice(0, -1)}${check === "A" ? "B" : "A"}`;
    const res = await lookup(a, wrong);
    expect(res.status).toBe(422);
    const body = ErrorBodySchema.parse(await res.json());
    expect(body.error).toBe("invalid_receipt_number");
    expect(body.message).toMatch(/re-type|scan/);
    // A swapped pair of digits is caught the same way.
    const swapped = receiptNumber("s1", "r2", 12).replace("-12-", "-21-");
    expect(() => parseReceiptRef(swapped)).toThrow(/not a valid receipt number/);
    // A well-formed number this register never issued is simply not found.
    const unknown = await lookup(a, receiptNumber("s1", "r2", 999));
    expect(unknown.status).toBe(404);
    expect(ErrorBodySchema.parse(await unknown.json()).error).toBe("transaction_not_found");
  });

  it("looks receipt numbers up by an index", async () => {
    const a = agent();
    const sale = await recordSale(a);
    const plan = a.db
      .prepare("EXPLAIN QUERY PLAN SELECT transaction_id FROM transactions WHERE receipt_number = ?")
      .all(sale.receiptNumber) as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(" ")).toContain("transactions_receipt_number");
    const rows = a.db.prepare("SELECT kind, receipt_number AS n FROM transactions ORDER BY seq").all();
    expect(rows).toEqual([{ kind: "sale", n: sale.receiptNumber }]);
  });

  it("a return names its original by receipt number as well as by transaction id; a mistyped number is refused", async () => {
    const a = agent();
    const sale = await recordSale(a);
    const byNumber = await post(a.app, "/api/v1/returns", {
      cashierId: "c-1",
      items: [{ transactionId: sale.receiptNumber.toLowerCase(), sku: "MUG-01", quantity: 1 }],
      reason: "chipped",
    });
    expect(byNumber.status).toBe(201);
    const recorded = byNumber.parse(
      z.object({ verified: z.boolean(), items: z.array(z.object({ originalTransactionId: z.string() })) }),
    );
    expect(recorded.verified).toBe(true);
    expect(recorded.items.map((i) => i.originalTransactionId)).toEqual([sale.transactionId]);
    expect(a.ledger.get(sale.transactionId)?.lines.find((l) => l.sku === "MUG-01")?.returned).toBe(1);

    const last = sale.receiptNumber.slice(-1);
    const wrong = await post(a.app, "/api/v1/returns", {
      cashierId: "c-1",
      items: [{ transactionId: `${sale.receiptNumber.slice(0, -1)}${last === "0" ? "1" : "0"}`, sku: "MUG-01", quantity: 1 }],
      reason: "chipped",
    });
    expect(wrong.status).toBe(422);
    expect(wrong.error().error).toBe("invalid_receipt_number");
  });

  it("tells a receipt number from a transaction id", () => {
    expect(parseReceiptRef(" s1-r2-1-x ".replace("x", receiptNumber("s1", "r2", 1).slice(-1).toLowerCase()))).toEqual({
      kind: "receiptNumber",
      receiptNumber: receiptNumber("S1", "R2", 1),
    });
    expect(parseReceiptRef("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")).toEqual({
      kind: "transactionId",
      transactionId: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
    });
  });
});
