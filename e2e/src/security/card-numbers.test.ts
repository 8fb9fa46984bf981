import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ErrorBodySchema, newEventId, RegionClient, SaleRecordedSchema } from "@tenderline/shared";
import { CARD_FORMATS } from "@tenderline/shared/pan-corpus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE, type Stack, startStack } from "../browser/stack.ts";
import { readWholeFeed } from "../drill/region-reader.ts";

// A Visa and an Amex number: their digits, and the last eight, must appear nowhere.
const PANS = ["4111111111111111", "378282246310005"];
const usd = (amount: number) => ({ amount, currency: "USD" });

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Every way the digits could have been kept: in ASCII, their first twelve, and each form as written. */
function traces(pan: string): string[] {
  return [...new Set([pan, pan.slice(0, 12), ...CARD_FORMATS.map((f) => f.write(pan))])];
}

type Place = { path: string; field: string; body: (text: string) => unknown };

describe("card numbers on the running chain: refused in every text field, kept nowhere", () => {
  let stack: Stack & { dataDir: string };
  const lines: string[] = [];
  let saleId = "";

  beforeAll(async () => {
    stack = await startStack("pan", { logLevel: "debug", onLine: (_s, line) => lines.push(line) });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  const post = (path: string, body: unknown) =>
    fetch(`${stack.agentUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  function sale(over: {
    cashierId?: string;
    sku?: string;
    description?: string;
    token?: string;
    brand?: string;
    terminalTxnId?: string;
    processorRef?: string;
    note?: string;
  }) {
    return {
      cashierId: over.cashierId ?? "c-1",
      lines: [
        { sku: over.sku ?? "MUG-01", description: over.description ?? "Mug", quantity: 1, unitPrice: usd(899), tax: usd(0) },
      ],
      tenders: [
        {
          type: "card",
          amount: usd(899),
          offline: false,
          card: {
            token: over.token ?? "tok_ok",
            last4: "1111",
            brand: over.brand ?? "visa",
            entryMode: "chip",
            terminalTxnId: over.terminalTxnId ?? "T-1",
            authCode: "A1B2C3",
            processorRef: over.processorRef ?? "PR-1",
          },
        },
      ],
      ...(over.note ? { note: over.note } : {}),
    };
  }

  const places = (): Place[] => [
    { path: "/api/v1/sales", field: "cashierId", body: (t) => sale({ cashierId: t }) },
    { path: "/api/v1/sales", field: "lines[0].sku", body: (t) => sale({ sku: t }) },
    { path: "/api/v1/sales", field: "lines[0].description", body: (t) => sale({ description: t }) },
    { path: "/api/v1/sales", field: "tenders[0].card.token", body: (t) => sale({ token: t }) },
    { path: "/api/v1/sales", field: "tenders[0].card.brand", body: (t) => sale({ brand: t }) },
    { path: "/api/v1/sales", field: "tenders[0].card.terminalTxnId", body: (t) => sale({ terminalTxnId: t }) },
    { path: "/api/v1/sales", field: "tenders[0].card.processorRef", body: (t) => sale({ processorRef: t }) },
    { path: "/api/v1/sales", field: "note", body: (t) => sale({ note: t }) },
    {
      path: "/api/v1/returns",
      field: "reason",
      body: (t) => ({ cashierId: "c-1", items: [{ transactionId: saleId, sku: "MUG-01", quantity: 1 }], reason: t }),
    },
    {
      path: "/api/v1/returns",
      field: "items[0].sku",
      body: (t) => ({ cashierId: "c-1", items: [{ transactionId: saleId, sku: t, quantity: 1 }], reason: "r" }),
    },
    {
      path: "/api/v1/exchanges",
      field: "lines[0].description",
      body: (t) => ({
        cashierId: "c-1",
        returnItems: [{ transactionId: saleId, sku: "MUG-01", quantity: 1 }],
        lines: [{ sku: "MUG-02", description: t, quantity: 1, unitPrice: usd(899), tax: usd(0) }],
      }),
    },
    {
      path: "/api/v1/exchanges",
      field: "reason",
      body: (t) => ({
        cashierId: "c-1",
        returnItems: [{ transactionId: saleId, sku: "MUG-01", quantity: 1 }],
        lines: [{ sku: "MUG-02", description: "Mug", quantity: 1, unitPrice: usd(899), tax: usd(0) }],
        reason: t,
      }),
    },
  ];

  it("refuses every format in every text field of a sale, return and exchange, naming the field and never the digits", async () => {
    const ok = await post("/api/v1/sales", sale({}));
    expect(ok.status).toBe(201);
    saleId = SaleRecordedSchema.parse(await ok.json()).transactionId;
    const misses: string[] = [];
    for (const pan of PANS) {
      for (const format of CARD_FORMATS) {
        const text = format.write(pan);
        for (const place of places()) {
          const res = await post(place.path, place.body(text));
          const answer = await res.text();
          const error = ErrorBodySchema.safeParse(JSON.parse(answer)).data;
          if (res.status !== 422 || error?.error !== "pan_detected" || !error.message.includes(place.field)) {
            misses.push(`${format.name} in ${place.path} ${place.field}: ${res.status} ${error?.error}`);
          }
          for (const t of traces(pan))
            if (answer.includes(t)) misses.push(`${format.name}: the answer repeats the digits: ${answer}`);
        }
      }
    }
    expect(misses).toEqual([]);
  }, 120_000);

  it("sells Luhn-valid barcodes of every length, even one that starts like a card, and the region takes them", async () => {
    // Each is a valid GTIN and passes Luhn: GTIN-8, -12, -13 (an EAN-13 from 40, a range once refused) and -14 (in the Diners range).
    const barcodes = ["96385067", "036000291421", "4006381333924", "30000000000087"];
    const ids: string[] = [];
    for (const sku of barcodes) {
      const res = await post("/api/v1/sales", sale({ sku }));
      expect(res.status, sku).toBe(201);
      ids.push(SaleRecordedSchema.parse(await res.json()).transactionId);
    }
    await expect
      .poll(
        async () => {
          const feed = JSON.stringify(await readWholeFeed(stack.chain.regionUrl("B"), stack.chain.tokens.consumer));
          return ids.filter((id) => !feed.includes(id)).length;
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(0);
  });

  it("a region refuses them too, in unknown fields and numbers of any shape, sent straight past the agent", async () => {
    const base = {
      storeId: STORE,
      registerId: "reg-direct",
      type: "sale.completed",
      occurredAt: new Date().toISOString(),
      schemaVersion: 1,
    };
    const payload = (extra: Record<string, unknown>) => ({
      transactionId: `tx-${newEventId()}`,
      cashierId: "c-1",
      lines: [{ sku: "MUG-01", description: "Mug", quantity: 1, unitPrice: usd(899), tax: usd(0) }],
      tenders: [{ tenderId: "t1", type: "cash", amount: usd(899) }],
      totals: { subtotal: usd(899), tax: usd(0), total: usd(899) },
      ...extra,
    });
    const events = [
      { ...base, eventId: newEventId(), seq: 1, payload: payload({ memo: "٤١١١ ١١١١ ١١١١ ١١١١" }) },
      { ...base, eventId: newEventId(), seq: 2, payload: payload({ loyalty: { number: 4111111111111111.0 } }) },
      { ...base, eventId: newEventId(), seq: 3, payload: payload({ scanned: "4111.1111.1111.1111 12/27" }) },
    ];
    for (const region of ["A", "B"]) {
      const answer = await new RegionClient(stack.chain.regionUrl(region), stack.chain.tokens.stores[STORE] ?? "").sendBatch({
        storeId: STORE,
        registerId: "reg-direct",
        events,
      });
      expect(answer.results.map((r) => r.reason)).toEqual(["pan_detected", "pan_detected", "pan_detected"]);
      expect(JSON.stringify(answer)).not.toMatch(/4111|٤١١١/);
    }
  });

  it("and nothing of them reached the outbox, the regions' databases, the feed or a log line", async () => {
    const feed = JSON.stringify(await readWholeFeed(stack.chain.regionUrl("A"), stack.chain.tokens.consumer));
    expect(feed).toContain(saleId);
    await stack.chain.stop();
    const files = filesUnder(stack.dataDir);
    expect(files.some((f) => f.endsWith("outbox.db"))).toBe(true);
    const leaks: string[] = [];
    for (const pan of PANS) {
      for (const t of traces(pan)) {
        const needle = Buffer.from(t);
        for (const file of files) if (readFileSync(file).includes(needle)) leaks.push(`${t} in ${file}`);
        if (feed.includes(t)) leaks.push(`${t} in the feed`);
        for (const line of lines) if (line.includes(t)) leaks.push(`${t} in a log line`);
      }
    }
    expect(leaks).toEqual([]);
    // The grep sees into the agent's log: the refusals are there, by field and code.
    const agentLog = readFileSync(files.find((f) => f.endsWith("agent.log")) as string, "utf8");
    expect(agentLog).toContain("pan_detected");
  });
});
