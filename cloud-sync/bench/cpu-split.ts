/**
 * Where the CPU goes, per event, on PostgreSQL: for a first pass through the region, each thread of
 * this process (the region's main thread, its parsing worker, the client thread, V8's helpers) and
 * the server's processes; then the same for the raw insert baseline. The machine should be
 * otherwise idle: the server's figure counts every postgres process.
 *
 *   BENCH_EVENTS=100000 node --import tsx bench/cpu-split.ts
 */
import { performance } from "node:perf_hooks";
import { BATCH, makeBatches } from "./batches.ts";
import { BenchClient, startBenchRegion } from "./bench-region.ts";
import { createRawTable, rawInsert, rawRows } from "./raw-insert.ts";
import { postgresCpuMs, threadCpuMs } from "./thread-cpu.ts";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const LANES = Number(process.env.BENCH_CONCURRENCY ?? 4);

/** Runs `work` over `events` events and prints the CPU it took per event, server and threads. */
async function split(label: string, events: number, work: () => Promise<unknown>): Promise<void> {
  const server0 = postgresCpuMs();
  const threads0 = threadCpuMs();
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  const server = postgresCpuMs() - server0;
  const used = [...threadCpuMs()].map(([tid, cpu]) => ({ tid, cpu: cpu - (threads0.get(tid) ?? 0) })).filter((t) => t.cpu > 0);
  const perEvent = (cpuMs: number) => ((cpuMs * 1000) / events).toFixed(1);
  const own = used.reduce((sum, t) => sum + t.cpu, 0);
  console.log(`${label}: ${events} events at ${Math.round((events / ms) * 1000)}/s; CPU per event in µs:`);
  console.log(`  all: ${perEvent(server + own)} = postgres server ${perEvent(server)} + this process ${perEvent(own)}`);
  for (const t of used.sort((a, b) => b.cpu - a.cpu)) console.log(`    thread ${t.tid}: ${perEvent(t.cpu)}`);
}

const client = new BenchClient(LANES);
const { region, url, close } = await startBenchRegion("postgres", "cpusplit");
try {
  await client.prepare(EVENTS);
  const batches = Math.ceil(EVENTS / BATCH);
  // The first tenth warms up (JIT, connections) outside the figures.
  const warm = Math.max(1, Math.floor(batches / 10));
  await client.post(url, 0, warm);
  await split("first pass through the region", (batches - warm) * BATCH, () => client.post(url, warm, batches));
  await createRawTable(region.db);
  const raw = rawRows(makeBatches(EVENTS));
  await rawInsert(region.db, raw.slice(0, warm), LANES);
  await split("raw insert", (batches - warm) * BATCH, () => rawInsert(region.db, raw.slice(warm), LANES));
} finally {
  await close();
  await client.close();
}
