import { AgentApiError, AgentClient } from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleSale, testAgent } from "../testing/fixtures.ts";

describe("AgentClient (shared) against a listening agent", () => {
  let agent: ReturnType<typeof testAgent>;
  let client: AgentClient;
  beforeAll(async () => {
    agent = testAgent();
    client = new AgentClient((await agent.listen()).url);
  });
  afterAll(async () => {
    await agent?.done();
  });

  it("records a sale and a return, reads the receipt and the queue, each answer checked against its schema", async () => {
    const request = sampleSale();
    const sale = await client.recordSale(request, { idempotencyKey: "sale-1" });
    expect(sale.replayed).toBe(false);
    const again = await client.recordSale(request, { idempotencyKey: "sale-1" });
    expect(again).toEqual({ body: sale.body, replayed: true });
    const receipt = await client.transaction(sale.body.transactionId);
    expect(receipt?.lines.find((l) => l.sku === "MUG-01")?.returnable).toBe(1);
    const ret = await client.recordReturn({
      cashierId: "c-17",
      items: [{ transactionId: sale.body.transactionId, sku: "MUG-01", quantity: 1 }],
      reason: "chipped",
    });
    expect(ret.body.refund).toEqual({ amount: 971, currency: "USD" });
    expect(await client.transaction("nope")).toBeNull();
    const queue = await client.queue();
    expect(queue.lastSeq).toBe(2);
    expect(queue.sync).toBeNull();
  });

  it("a refusal is an AgentApiError with the agent's code and message", async () => {
    const error = await client.recordSale({ ...sampleSale(), tenders: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentApiError);
    expect(error).toMatchObject({ kind: "http", status: 400, code: "invalid_request" });
    expect((error as AgentApiError).detail).toContain("tenders");
  });
});
