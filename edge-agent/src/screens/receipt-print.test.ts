import { ErrorBodySchema, maskPans, receiptNumber, SaleRecordedSchema } from "@tenderline/shared";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { readCode128Svg } from "../testing/code128.ts";
import { card, cash, line, post, testAgent } from "../testing/fixtures.ts";
import { receiptBarcodeSvg } from "./barcode.ts";

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of open.splice(0)) await close();
});

function agent() {
  const a = testAgent({ storeId: "s1", registerId: "r2" }, { startSync: false });
  open.push(a.done);
  return a;
}

const Recorded = SaleRecordedSchema.extend({ receiptNumber: z.string() });
const ReceiptBody = z.object({ transactionId: z.string(), receiptNumber: z.string().nullable(), html: z.string() });
const OriginalBody = z.object({ transactionId: z.string(), receiptNumber: z.string().nullable(), html: z.string() });

async function sale(a: ReturnType<typeof agent>) {
  const res = await post(a.app, "/api/v1/sales", {
    cashierId: "c-1",
    lines: [line("TEE-M-BLK", 2, 1999, 330), line("MUG-01", 1, 899, 72)],
    tenders: [card(4000, { authCode: "OK1234", last4: "4242" }), cash(1299, 2000)],
  });
  return res.parse(Recorded);
}

/** The one <svg> of a page. */
function svgOf(html: string): string {
  const m = /<svg[\s\S]*?<\/svg>/.exec(html);
  if (!m) throw new Error("the page has no SVG");
  return m[0];
}

describe("the printable receipt", () => {
  it("prints the receipt number in text and as a Code 128 barcode that encodes exactly it", async () => {
    const a = agent();
    await sale(a);
    const s = await sale(a);
    for (const ref of [s.transactionId, s.receiptNumber, ` ${s.receiptNumber.toLowerCase()} `]) {
      const res = await a.app.request(`/screens/cashier/receipt/${encodeURIComponent(ref)}/print`);
      expect(res.status, ref).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/text\/html/);
      const html = await res.text();
      expect(html).toContain(`id="receipt-number">${s.receiptNumber}<`);
      expect(readCode128Svg(svgOf(html))).toBe(s.receiptNumber);
      // Card as brand and last four only; the token is not printed either.
      expect(html).toContain("•••• 4242");
      expect(html).not.toMatch(/tok_/);
      expect(maskPans(html)).toBe(html);
      // No script on the print page; the screens' strict CSP still applies.
      expect(html).not.toContain("<script");
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    }
  });

  it("the barcode reader fails on a barcode of anything else", () => {
    const number = receiptNumber("s1", "r2", 41);
    expect(readCode128Svg(receiptBarcodeSvg(number))).toBe(number);
    expect(readCode128Svg(receiptBarcodeSvg(receiptNumber("s1", "r2", 42)))).not.toBe(number);
    // One bar made wider than drawn: no longer a valid symbol, or the checksum fails.
    const svg = receiptBarcodeSvg(number).replace(
      /stroke-width="2" d="M(\d+) /,
      (_m, x) => `stroke-width="4" d="M${Number(x) + 1} `,
    );
    expect(() => readCode128Svg(svg)).toThrow();
  });

  it("the cashier's receipt and the return lookup take the receipt number as well as the transaction id", async () => {
    const a = agent();
    const s = await sale(a);
    const receipt = ReceiptBody.parse(await (await a.app.request(`/screens/cashier/receipt/${s.receiptNumber}`)).json());
    expect(receipt.transactionId).toBe(s.transactionId);
    expect(receipt.receiptNumber).toBe(s.receiptNumber);
    expect(receipt.html).toContain(s.receiptNumber);
    expect(receipt.html).toContain(s.transactionId);
    for (const ref of [s.transactionId, s.receiptNumber.toLowerCase()]) {
      const res = await a.app.request(`/screens/cashier/return-original/${encodeURIComponent(ref)}`);
      expect(res.status).toBe(200);
      const original = OriginalBody.parse(await res.json());
      expect(original.transactionId).toBe(s.transactionId);
      expect(original.html).toContain('data-return-sku="TEE-M-BLK"');
      expect(original.html).toContain(`data-transaction-id="${s.transactionId}"`);
    }
  });

  it("a mistyped receipt number is refused as such, on every screen route", async () => {
    const a = agent();
    const s = await sale(a);
    const last = s.receiptNumber.slice(-1);
    const wrong = `${s.receiptNumber.slice(0, -1)}${last === "0" ? "1" : "0"}`;
    for (const path of [
      `/screens/cashier/return-original/${wrong}`,
      `/screens/cashier/receipt/${wrong}`,
      `/screens/cashier/receipt/${wrong}/print`,
    ]) {
      const res = await a.app.request(path);
      expect(res.status, path).toBe(422);
      expect(ErrorBodySchema.parse(await res.json()).error).toBe("invalid_receipt_number");
    }
    const missing = await a.app.request(`/screens/cashier/return-original/${receiptNumber("s1", "r2", 77)}`);
    expect(missing.status).toBe(404);
  });
});
