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

/** Events from..from+count as batches of one register each, registers round-robin, seqs in order. */
export function makeBatches(count: number, from = 0): Batch[] {
  const batches: Batch[] = [];
  for (let start = from; start < from + count; start += BATCH) {
    const index = start / BATCH;
    const registerId = `reg-${index % REGISTERS}`;
    const base = Math.floor(index / REGISTERS) * BATCH;
    const events = Array.from({ length: Math.min(BATCH, from + count - start) }, (_, i) =>
      saleEvent({ storeId: BENCH_STORE, registerId, seq: base + i + 1 }),
    );
    batches.push({ registerId, events, body: JSON.stringify({ storeId: BENCH_STORE, registerId, events }) });
  }
  return batches;
}

/**
 * Posts the bodies over `lanes` concurrent connections, like that many registers sending at once;
 * batch i goes on lane i % lanes, so each register's batches stay in order. Returns elapsed ms.
 */
export async function postAll(url: string, bodies: readonly string[], lanes = 1): Promise<number> {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: lanes }, (_, lane) =>
      postLane(
        url,
        bodies.filter((_, i) => i % lanes === lane),
      ),
    ),
  );
  return performance.now() - started;
}

async function postLane(url: string, bodies: readonly string[]): Promise<void> {
  for (const body of bodies) {
    const res = await fetch(`${url}/v1/events/batch`, {
      method: "POST",
      headers: { authorization: `Bearer ${BENCH_TOKEN}`, "content-type": "application/json" },
      body,
    });
    if (res.status !== 200) throw new Error(`batch refused: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  }
}
