/**
 * Where a first pass on PostgreSQL spends CPU, per event: each thread of this process (the region's
 * main thread, its parsing worker, the client thread, V8's helpers) and the server's processes.
 * The machine should be otherwise idle: the server's figure counts every postgres process.
 *
 *   BENCH_EVENTS=100000 node --import tsx bench/cpu-split.ts
 */
import { performance } from "node:perf_hooks";
import { BATCH } from "./batches.ts";
import { BenchClient, startBenchRegion } from "./bench-region.ts";
import { postgresCpuMs, threadCpuMs } from "./thread-cpu.ts";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);

const client = new BenchClient(Number(process.env.BENCH_CONCURRENCY ?? 4));
const { url, close } = await startBenchRegion("postgres", "cpusplit");
try {
  await client.prepare(EVENTS);
  const batches = Math.ceil(EVENTS / BATCH);
  // The first tenth warms up (JIT, connections) outside the figures.
  const warm = Math.max(1, Math.floor(batches / 10));
  await client.post(url, 0, warm);
  const server0 = postgresCpuMs();
  const threads0 = threadCpuMs();
  const started = performance.now();
  await client.post(url, warm, batches);
  const ms = performance.now() - started;
  const threads1 = threadCpuMs();
  const n = Math.min(EVENTS, batches * BATCH) - warm * BATCH;
  const perEvent = (cpuMs: number) => ((cpuMs * 1000) / n).toFixed(1);
  const used = [...threads1].map(([tid, cpu]) => ({ tid, cpu: cpu - (threads0.get(tid) ?? 0) })).filter((t) => t.cpu > 0);
  console.log(`${n} events at ${Math.round((n / ms) * 1000)}/s; CPU per event in µs:`);
  console.log(`  postgres server: ${perEvent(postgresCpuMs() - server0)}`);
  console.log(`  this process: ${perEvent(used.reduce((sum, t) => sum + t.cpu, 0))}`);
  // Thread ids in start order: the main thread, V8's helpers, the client, the parsing worker.
  for (const t of used.sort((a, b) => b.cpu - a.cpu)) console.log(`    thread ${t.tid}: ${perEvent(t.cpu)}`);
} finally {
  await close();
  await client.close();
}
