/**
 * CPU profile of the region's thread during one first pass (no replay, no raw baseline), for
 * finding ingest hot spots: writes a .cpuprofile (Chrome DevTools / speedscope) and prints the rate.
 *
 *   BENCH_EVENTS=20000 BENCH_BACKENDS=postgres PROFILE_OUT=/tmp/ingest.cpuprofile node --import tsx bench/profile-ingest.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { parseConfig } from "../src/config/config.ts";
import { startRegion } from "../src/server/start-region.ts";
import { createPgTestDatabase } from "../src/testing/test-databases.ts";
import { BATCH, BENCH_STORE, BENCH_TOKEN } from "./batches.ts";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const LANES = Number(process.env.BENCH_CONCURRENCY ?? 4);
const BACKEND = (process.env.BENCH_BACKENDS ?? "postgres").split(",")[0] as "pglite" | "postgres";
const OUT = process.env.PROFILE_OUT ?? join(tmpdir(), `ingest-${BACKEND}.cpuprofile`);

const worker = new Worker(
  `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL("./client-worker.ts", import.meta.url).href)}); });`,
  { eval: true },
);
const call = (msg: unknown) =>
  new Promise<{ ms: number; error?: string }>((resolve, reject) => {
    worker.once("message", (reply: { ms: number; error?: string }) =>
      reply.error ? reject(new Error(reply.error)) : resolve(reply),
    );
    worker.postMessage(msg);
  });

const dir = mkdtempSync(join(tmpdir(), "tl-prof-"));
const pgdb = BACKEND === "postgres" ? await createPgTestDatabase("prof") : undefined;
const region = await startRegion(
  parseConfig({
    region: "bench",
    port: 0,
    logLevel: "warn",
    backgroundJobs: "false",
    ...(process.env.BENCH_INGEST_WORKERS ? { ingestWorkers: process.env.BENCH_INGEST_WORKERS } : {}),
    ...(pgdb ? { databaseUrl: pgdb.url } : { dataDir: join(dir, "pgdata") }),
    bootstrapTokens: JSON.stringify([{ token: BENCH_TOKEN, kind: "store", storeId: BENCH_STORE }]),
  }),
);
try {
  const url = `http://127.0.0.1:${region.port}`;
  await call({ op: "prepare", count: EVENTS });
  const batches = Math.ceil(EVENTS / BATCH);
  // Warm-up (JIT, connections) outside the profile: the first tenth of the batches.
  const warm = Math.max(1, Math.floor(batches / 10));
  await call({ op: "post", url, fromBatch: 0, toBatch: warm, lanes: LANES });
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  const { ms } = await call({ op: "post", url, fromBatch: warm, toBatch: batches, lanes: LANES });
  const { profile } = await session.post("Profiler.stop");
  writeFileSync(OUT, JSON.stringify(profile));
  const n = Math.min(EVENTS, (batches - warm) * BATCH);
  console.log(`${BACKEND}: ${n} events in ${Math.round(ms)} ms = ${Math.round((n / ms) * 1000)}/s; profile ${OUT}`);
  session.disconnect();
} finally {
  await region.close();
  await pgdb?.drop();
  rmSync(dir, { recursive: true, force: true });
  await worker.terminate();
}
