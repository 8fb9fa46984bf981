/**
 * CPU profile of the region's thread during one first pass (no replay, no raw baseline), for
 * finding ingest hot spots: writes a .cpuprofile (Chrome DevTools / speedscope) and prints the rate.
 *
 *   BENCH_EVENTS=20000 BENCH_BACKENDS=postgres PROFILE_OUT=/tmp/ingest.cpuprofile node --import tsx bench/profile-ingest.ts
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BATCH } from "./batches.ts";
import { type Backend, BenchClient, startBenchRegion } from "./bench-region.ts";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const LANES = Number(process.env.BENCH_CONCURRENCY ?? 4);
const BACKEND = (process.env.BENCH_BACKENDS ?? "postgres").split(",")[0] as Backend;
const OUT = process.env.PROFILE_OUT ?? join(tmpdir(), `ingest-${BACKEND}.cpuprofile`);

const client = new BenchClient(LANES);
const { url, close } = await startBenchRegion(BACKEND, "prof");
try {
  await client.prepare(EVENTS);
  const batches = Math.ceil(EVENTS / BATCH);
  // Warm-up (JIT, connections) outside the profile: the first tenth of the batches.
  const warm = Math.max(1, Math.floor(batches / 10));
  await client.post(url, 0, warm);
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  const ms = await client.post(url, warm, batches);
  const { profile } = await session.post("Profiler.stop");
  writeFileSync(OUT, JSON.stringify(profile));
  const n = Math.min(EVENTS, (batches - warm) * BATCH);
  console.log(`${BACKEND}: ${n} events in ${Math.round(ms)} ms = ${Math.round((n / ms) * 1000)}/s; profile ${OUT}`);
  session.disconnect();
} finally {
  await close();
  await client.close();
}
