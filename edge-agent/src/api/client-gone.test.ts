import { connect } from "node:net";
import { SaleRecordedSchema } from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleSale, testAgent } from "../testing/fixtures.ts";

/** Holds this thread (the agent's too: it serves in this process), as a register busy with other work. */
function busyFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // spinning on purpose
  }
}

/**
 * Sends a sale on a raw connection and hangs up at once, before the agent has read it: the
 * cashier's client that gave up waiting. Resolves once the agent closed the connection.
 */
async function postAndHangUp(port: number, key: string): Promise<string> {
  const socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const body = JSON.stringify(sampleSale());
  let received = "";
  socket.on("data", (chunk) => {
    received += chunk.toString();
  });
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.write(
    `POST /api/v1/sales HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nIdempotency-Key: ${key}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.end();
  // The request and the hang-up both wait in the agent's socket before it reads either.
  busyFor(200);
  await closed;
  return received;
}

describe("a client that hung up before its transaction was recorded", () => {
  const agent = testAgent();
  let url = "";
  let port = 0;
  beforeAll(async () => {
    ({ url, port } = await agent.listen());
  });
  afterAll(() => agent.done());

  const outboxRows = () => agent.db.prepare("SELECT COUNT(*) FROM outbox").pluck().get() as number;

  it("gets nothing recorded; the same request again with its Idempotency-Key records it once", async () => {
    const before = outboxRows();
    const received = await postAndHangUp(port, "gone-1");
    expect(received).not.toMatch(/ 201 /);
    expect(outboxRows()).toBe(before);

    const again = await fetch(`${url}/api/v1/sales`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": "gone-1" },
      body: JSON.stringify(sampleSale()),
    });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBeNull();
    SaleRecordedSchema.parse(await again.json());
    expect(outboxRows()).toBe(before + 1);
  });

  it("a client that waits is answered and recorded as always", async () => {
    const before = outboxRows();
    const res = await fetch(`${url}/api/v1/sales`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(sampleSale()),
    });
    expect(res.status).toBe(201);
    expect(SaleRecordedSchema.parse(await res.json()).seq).toBe(before + 1);
    expect(outboxRows()).toBe(before + 1);
  });
});
