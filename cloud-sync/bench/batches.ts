import http from "node:http";
import { saleEvent } from "../src/testing/events.ts";

export const BATCH = 500;
export const REGISTERS = 20;
export const BENCH_STORE = "bench";
export const BENCH_TOKEN = "tl_store_bench_000000000000000001";

export interface Batch {
  registerId: string;
  body: string;
  events: ReturnType<typeof saleEvent>[];
}

/**
 * Events from..from+count as batches of one register each, registers round-robin, seqs in order.
 * Bodies are written as the edge agent's sync engine writes them: each event's JSON as its outbox
 * recorded it, inside the batch envelope.
 */
export function makeBatches(count: number, from = 0): Batch[] {
  const batches: Batch[] = [];
  for (let start = from; start < from + count; start += BATCH) {
    const index = start / BATCH;
    const registerId = `reg-${index % REGISTERS}`;
    const base = Math.floor(index / REGISTERS) * BATCH;
    const events = Array.from({ length: Math.min(BATCH, from + count - start) }, (_, i) =>
      saleEvent({ storeId: BENCH_STORE, registerId, seq: base + i + 1 }),
    );
    const body = `{"storeId":${JSON.stringify(BENCH_STORE)},"registerId":${JSON.stringify(registerId)},"events":[${events.map((e) => JSON.stringify(e)).join(",")}]}`;
    batches.push({ registerId, events, body });
  }
  return batches;
}

/**
 * Posts the bodies over `lanes` concurrent keep-alive connections, like that many registers sending
 * at once; batch i goes on lane i % lanes, so each register's batches stay in order. Returns elapsed
 * ms. Plain node:http with bodies encoded once: the load generator shares the machine's two cores
 * with the region under test, so it should take as little of them as it can.
 */
export async function postAll(url: string, bodies: readonly Buffer[], lanes = 1): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: lanes });
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: lanes }, (_, lane) =>
        postLane(
          agent,
          new URL("/v1/events/batch", url),
          bodies.filter((_, i) => i % lanes === lane),
        ),
      ),
    );
    return performance.now() - started;
  } finally {
    agent.destroy();
  }
}

async function postLane(agent: http.Agent, url: URL, bodies: readonly Buffer[]): Promise<void> {
  for (const body of bodies) {
    const { status, text } = await post(agent, url, body);
    if (status !== 200) throw new Error(`batch refused: ${status} ${text}`);
  }
}

function post(agent: http.Agent, url: URL, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: {
          authorization: `Bearer ${BENCH_TOKEN}`,
          "content-type": "application/json",
          "content-length": body.length,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
