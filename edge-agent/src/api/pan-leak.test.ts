import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SaleRecordedSchema } from "@tenderline/shared";
import { afterAll, describe, expect, it } from "vitest";
import { startAgentProcess, writeConfig } from "../testing/agent-process.ts";
import { card, cash, line, sampleSale, tempDir } from "../testing/fixtures.ts";

const PANS = ["4111111111111111", "5500 0000 0000 0004", "3782-822463-10005"];
/** Any of the test PANs' digits, with or without their grouping. */
const LEAK = /4111\D?1111\D?1111\D?1111|5500\D?0000\D?0000\D?0004|3782\D?822463\D?10005|378282246310005/;

function headerText(headers: Headers): string {
  const parts: string[] = [];
  headers.forEach((value, name) => {
    parts.push(`${name}: ${value}`);
  });
  return parts.join("\n");
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe("no full card number in the database, logs or responses", () => {
  const { dir, cleanup } = tempDir("tl-pan-");
  afterAll(cleanup);

  it("PANs posted in every field are refused and appear nowhere", async () => {
    const configFile = writeConfig(dir, {
      storeId: "s1",
      registerId: "r1",
      dataDir: "data",
      port: 0,
      logLevel: "trace",
      logFile: "logs/agent.log",
    });
    const agent = await startAgentProcess(configFile);
    const responses: string[] = [];
    const send = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(`${agent.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
      responses.push(`${res.status} ${headerText(res.headers)} ${await res.text()}`);
      return res.status;
    };
    try {
      const good = await fetch(`${agent.url}/api/v1/sales`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(sampleSale()),
      });
      const goodBody = SaleRecordedSchema.parse(await good.json());
      for (const pan of PANS) {
        const inToken = sampleSale();
        (inToken.tenders[0] as { card: { token: string } }).card.token = pan;
        expect(await send("/api/v1/sales", inToken)).toBe(422);
        expect(await send("/api/v1/sales", { ...sampleSale(), cashierId: pan })).toBe(422);
        expect(await send("/api/v1/sales", { ...sampleSale(), [pan]: "key" })).toBe(422);
        expect(await send("/api/v1/sales", { cashierId: "c", lines: [line(pan, 1, 100, 0)], tenders: [cash(100)] })).toBe(422);
        expect(
          await send("/api/v1/sales", {
            cashierId: "c",
            lines: [line("A", 1, Number(pan.replace(/\D/g, "")), 0)],
            tenders: [cash(1)],
          }),
        ).toBe(422);
        expect(
          await send("/api/v1/returns", { cashierId: "c", items: [{ transactionId: pan, sku: "A", quantity: 1 }], reason: "r" }),
        ).toBe(422);
        expect(
          await send("/api/v1/exchanges", {
            cashierId: "c",
            returnItems: [{ transactionId: goodBody.transactionId, sku: "MUG-01", quantity: 1 }],
            lines: [line("B", 1, 100, 0)],
            reason: `card ${pan}`,
          }),
        ).toBe(422);
        // Broken JSON holding a PAN: the parser's message must not echo it.
        expect(await send("/api/v1/sales", `{"cashierId": "${pan}", oops`)).toBe(400);
        expect(
          await send("/api/v1/sales", { cashierId: "c", lines: [line("A", 1, 100, 0)], tenders: [card(100, { last4: pan })] }),
        ).toBe(422);
        const lookup = await fetch(`${agent.url}/api/v1/transactions/${encodeURIComponent(pan)}`);
        expect(lookup.status).toBe(422);
        responses.push(await lookup.text());
        const query = await fetch(`${agent.url}/api/v1/queue?note=${encodeURIComponent(pan)}`);
        expect(query.status).toBe(422);
        responses.push(await query.text());
        // An idempotency key is stored with the answer: a card number there is refused too.
        expect(await send("/api/v1/sales", sampleSale(), { "idempotency-key": pan.replace(/\s/g, "") })).toBe(422);
      }
      responses.push(await (await fetch(`${agent.url}/api/v1/queue`)).text());
    } finally {
      await agent.kill("SIGTERM");
    }
    for (const r of responses) expect(r).not.toMatch(LEAK);
    const files = filesUnder(dir).filter((f) => !f.endsWith("agent.json"));
    expect(files.some((f) => f.endsWith("outbox.db"))).toBe(true);
    expect(files.some((f) => f.endsWith("agent.log"))).toBe(true);
    const log = readFileSync(join(dir, "logs/agent.log"), "utf8");
    expect(log).toContain("request refused");
    // The lookups put PANs in the URL path: refused before any route, and the log line masked, not dropped.
    expect(log).toContain("/api/v1/transactions/************1111");
    expect(log).toContain('"code":"pan_detected"');
    for (const f of files) expect(readFileSync(f).toString("latin1"), f).not.toMatch(LEAK);
  });
});
