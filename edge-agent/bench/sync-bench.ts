/**
 * Sync benchmark (issue 5), against a real cloud-sync region process (PGlite):
 *  1. a region's own ingest rate: the same events (another register's copy) POSTed straight to a
 *     fresh region, 500 per batch, one batch in flight (what the engine does);
 *  2. the engine draining the 100,000-event backlog into a second fresh region of the same build
 *     (events/s, ratio to 1.): both start empty, so neither pays for the other's data;
 *  3. record-to-ack latency (acked_at − recorded_at per event) under a steady 200 sales/s over HTTP.
 * BENCH_SYNC_EVENTS overrides the backlog size.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { createAgent } from "../src/agent.ts";
import { parseConfig } from "../src/config/config.ts";
import { mintId } from "../src/ids/ids.ts";
import { sampleSale } from "../src/testing/fixtures.ts";
import { STORE_TOKEN, startRegion } from "../src/testing/region-process.ts";
import { writeBenchOut } from "./bench-out.ts";
import { percentile, round } from "./stats.ts";

const EVENTS = Number(process.env.BENCH_SYNC_EVENTS ?? 100_000);
const BATCH = 500;
const STEADY_RATE = 200;
const STEADY_SECONDS = 15;
const silent = pino({ level: "silent" });

function config(dataDir: string, registerId: string, regionUrl?: string) {
  return parseConfig({
    storeId: "bench-store",
    registerId,
    dataDir,
    port: 0,
    logLevel: "warn",
    storeToken: STORE_TOKEN,
    regions: regionUrl ? [{ name: "A", url: regionUrl }] : [],
    sync: { probeIntervalMs: 1000, requestTimeoutMs: 30_000, idlePollMs: 1000 },
  });
}

/** One batch straight to the region; a reset keep-alive socket is retried once (the batch is idempotent). */
async function postDirect(url: string, body: string, retried = false): Promise<void> {
  let res: Response;
  try {
    res = await fetch(`${url}/v1/events/batch`, {
      method: "POST",
      headers: { authorization: `Bearer ${STORE_TOKEN}`, "content-type": "application/json" },
      body,
    });
  } catch (error) {
    if (retried) throw error;
    return postDirect(url, body, true);
  }
  if (res.status !== 200) throw new Error(`region answered ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
}

/** A sale over the register API; a reset keep-alive socket is retried once under the same Idempotency-Key. */
async function postSale(url: string, body: string, key: string, retried = false): Promise<void> {
  let res: Response;
  try {
    res = await fetch(`${url}/api/v1/sales`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": key },
      body,
    });
  } catch (error) {
    if (retried) throw error;
    return postSale(url, body, key, true);
  }
  if (res.status !== 201) throw new Error(`sale answered ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

export async function syncBench() {
  const dir = mkdtempSync(join(tmpdir(), "tl-bench-sync-"));
  const baseline = await startRegion({ name: "A", dataDir: join(dir, "baseline"), storeId: "bench-store" });
  const region = await startRegion({ name: "A", dataDir: join(dir, "region"), storeId: "bench-store" });
  try {
    // The backlog: recorded with the sync engine off.
    const recorder = createAgent(config(join(dir, "agent"), "reg-drain"), { logger: silent });
    for (let i = 0; i < EVENTS; i++) recorder.service.recordSale(sampleSale());
    const bodies = (recorder.db.prepare("SELECT body FROM outbox ORDER BY seq").all() as Array<{ body: string }>).map(
      (r) => r.body,
    );
    await recorder.close();

    // 1. The region's own rate for the same events (another register's copy, fresh ids).
    const direct = bodies.map((b) => {
      const e = JSON.parse(b) as { eventId: string; registerId: string };
      e.eventId = mintId();
      e.registerId = "reg-direct";
      return JSON.stringify(e);
    });
    const directStart = performance.now();
    for (let i = 0; i < direct.length; i += BATCH) {
      const body = `{"storeId":"bench-store","registerId":"reg-direct","events":[${direct.slice(i, i + BATCH).join(",")}]}`;
      await postDirect(baseline.url, body);
    }
    const directSeconds = (performance.now() - directStart) / 1000;
    await baseline.kill("SIGTERM");

    // 2. The engine drains the backlog.
    const drainStart = performance.now();
    const agent = createAgent(config(join(dir, "agent"), "reg-drain", region.url), { logger: silent });
    // Poll cheaply (the first pending row from a rising floor): a COUNT over 100,000 rows every 50 ms
    // would take a core from the engine and the region.
    const firstPending = agent.db.prepare("SELECT seq FROM outbox WHERE state = 'pending' AND seq >= ? ORDER BY seq LIMIT 1");
    let floor = 0;
    for (;;) {
      const row = firstPending.get(floor) as { seq: number } | undefined;
      if (!row) break;
      floor = row.seq;
      await sleep(50);
    }
    const drainSeconds = (performance.now() - drainStart) / 1000;
    // The same drain without the engine's start-up (worker thread, first probe): first ack to last.
    const span = agent.db.prepare("SELECT MIN(acked_at) AS first, MAX(acked_at) AS last FROM outbox").get() as {
      first: number;
      last: number;
    };
    const ackSpanSeconds = Math.max(0.001, (span.last - span.first) / 1000);

    // 3. Steady 200 sales/s over HTTP; latency from record to the region's ack.
    const { url } = await agent.listen();
    const firstSteadySeq = agent.outbox.seq + 1;
    const posts: Array<Promise<void>> = [];
    const total = STEADY_RATE * STEADY_SECONDS;
    const started = performance.now();
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / STEADY_RATE;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      posts.push(postSale(url, JSON.stringify(sampleSale()), `steady-${i}`));
    }
    await Promise.all(posts);
    const steadyRows = () =>
      agent.db.prepare("SELECT acked_at - recorded_at AS ms, state FROM outbox WHERE seq >= ?").all(firstSteadySeq) as Array<{
        ms: number | null;
        state: string;
      }>;
    while (steadyRows().some((r) => r.state === "pending")) await sleep(50);
    const latencies = steadyRows().map((r) => r.ms as number);
    await agent.close();

    const directRate = Math.round(EVENTS / directSeconds);
    const drainRate = Math.round(EVENTS / drainSeconds);
    const result = {
      events: EVENTS,
      batchSize: BATCH,
      regionDirectIngest: { seconds: round(directSeconds, 2), eventsPerSec: directRate },
      engineDrain: { seconds: round(drainSeconds, 2), eventsPerSec: drainRate },
      engineDrainFirstToLastAck: { seconds: round(ackSpanSeconds, 2), eventsPerSec: Math.round(EVENTS / ackSpanSeconds) },
      drainVsDirect: round(drainRate / directRate, 3),
      steady: {
        salesPerSec: STEADY_RATE,
        seconds: STEADY_SECONDS,
        events: latencies.length,
        recordToAckP50Ms: percentile(latencies, 50),
        recordToAckP95Ms: percentile(latencies, 95),
        recordToAckMaxMs: Math.max(...latencies),
      },
      targets: {
        drainAtLeast50PctOfDirect: drainRate >= 0.5 * directRate,
        recordToAckP95Under250ms: percentile(latencies, 95) < 250,
      },
    };
    console.log("edge-agent sync benchmark (one PGlite region on loopback)");
    console.table({
      "region direct ingest": result.regionDirectIngest,
      "engine drain (incl. start-up)": result.engineDrain,
      "engine drain (first to last ack)": result.engineDrainFirstToLastAck,
    });
    console.log(
      `drain/direct ${result.drainVsDirect}; steady ${STEADY_RATE}/s: record→ack p50 ${result.steady.recordToAckP50Ms} ms, p95 ${result.steady.recordToAckP95Ms} ms; targets ${JSON.stringify(result.targets)}`,
    );
    return result;
  } finally {
    await baseline.kill("SIGTERM");
    await region.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeBenchOut({ sync: await syncBench() });
}
