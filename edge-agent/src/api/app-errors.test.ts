import { ErrorBodySchema, SaleRecordedSchema } from "@tenderline/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { line, post, sampleSale, testAgent } from "../testing/fixtures.ts";

type TestAgent = ReturnType<typeof testAgent>;

function count(agent: TestAgent, table: string): number {
  return (agent.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
}

describe("register API: bad input changes nothing", () => {
  let agent: TestAgent;
  beforeEach(() => {
    agent = testAgent({ bodyLimitBytes: 16 * 1024 });
  });
  afterEach(async () => {
    await agent.done();
  });

  it("400 names each field to fix", async () => {
    const res = await post(agent.app, "/api/v1/sales", { cashierId: "", lines: [{ sku: "A", quantity: 1.5 }], tenders: [] });
    expect(res.status).toBe(400);
    const refusal = res.error();
    expect(refusal.error).toBe("invalid_request");
    const fields = (refusal.issues ?? []).map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(["cashierId", "lines[0].quantity", "lines[0].unitPrice", "tenders"]));
    expect(count(agent, "outbox")).toBe(0);
  });

  it("400 for a body that is not JSON, and for a bad Idempotency-Key", async () => {
    const res = await post(agent.app, "/api/v1/sales", "{not json");
    expect(res.status).toBe(400);
    expect(res.error().error).toBe("invalid_json");
    const key = await post(agent.app, "/api/v1/sales", sampleSale(), { "Idempotency-Key": "x".repeat(201) });
    expect(key.status).toBe(400);
    expect(key.error().error).toBe("invalid_idempotency_key");
    expect(count(agent, "outbox")).toBe(0);
  });

  it("413 over the body limit", async () => {
    const lines = Array.from({ length: 400 }, (_, i) => line(`SKU-${i}`, 1, 100, 0));
    const res = await post(agent.app, "/api/v1/sales", {
      cashierId: "c1",
      lines,
      tenders: [{ type: "cash", amount: { amount: 40_000, currency: "USD" } }],
    });
    expect(res.status).toBe(413);
    expect(res.error().error).toBe("body_too_large");
    expect(count(agent, "outbox")).toBe(0);
  });

  it("422 for a card number, naming the field and never echoing the digits", async () => {
    const sale = sampleSale();
    const pan = "4111 1111 1111 1111";
    (sale.lines[0] as { description: string }).description = `paid with ${pan}`;
    const res = await post(agent.app, "/api/v1/sales", sale);
    expect(res.status).toBe(422);
    expect(res.error().error).toBe("pan_detected");
    expect(res.error().message).toContain("lines[0].description");
    expect(JSON.stringify(res.body)).not.toMatch(/4111[ -]?1111/);
    expect(count(agent, "outbox")).toBe(0);
  });

  it("404 for an unknown transaction or path", async () => {
    const tx = await agent.app.request("/api/v1/transactions/nope");
    expect(tx.status).toBe(404);
    expect(ErrorBodySchema.parse(await tx.json()).error).toBe("transaction_not_found");
    const path = await agent.app.request("/api/v1/nothing");
    expect(path.status).toBe(404);
    expect(ErrorBodySchema.parse(await path.json())).toEqual({ error: "not_found", message: expect.any(String) });
  });

  it("503 with an actionable message when the disk is full; everything recorded before is intact", async () => {
    const ok: Array<{ seq: number; eventId: string }> = [];
    for (let i = 0; i < 3; i++) {
      const res = await post(agent.app, "/api/v1/sales", sampleSale());
      expect(res.status).toBe(201);
      const { seq, eventId } = res.parse(SaleRecordedSchema);
      ok.push({ seq, eventId });
    }
    const pages = agent.db.pragma("page_count", { simple: true }) as number;
    agent.db.pragma(`max_page_count = ${pages}`);
    let full: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 500 && !full; i++) {
      const res = await post(agent.app, "/api/v1/sales", sampleSale());
      if (res.status === 201) {
        const { seq, eventId } = res.parse(SaleRecordedSchema);
        ok.push({ seq, eventId });
      } else full = res;
    }
    expect(full?.status).toBe(503);
    const storageFull = full?.error();
    expect(storageFull?.error).toBe("storage_full");
    expect(storageFull?.message).toMatch(/NOT recorded/);

    const rows = agent.db.prepare("SELECT seq, event_id AS eventId FROM outbox ORDER BY seq").all();
    expect(rows).toEqual(ok);
    expect(count(agent, "transactions")).toBe(ok.length);
    expect(agent.db.pragma("integrity_check", { simple: true })).toBe("ok");

    // Space freed: recording resumes with the next seq, no gap.
    agent.db.pragma("max_page_count = 1073741823");
    const after = await post(agent.app, "/api/v1/sales", sampleSale());
    expect(after.status).toBe(201);
    expect(after.parse(SaleRecordedSchema).seq).toBe(ok.length + 1);
  });
});
