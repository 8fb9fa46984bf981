/**
 * Ingest benchmark (issue 4): for each backend (PGlite in a temp directory, PostgreSQL in a fresh
 * database), N events (default 100,000) in batches of 500 over HTTP on loopback into the region,
 * then the same N again (a full replay: all duplicates), then the raw
 * `INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING` of the same rows into a table shaped like
 * the log, in the same database. On PostgreSQL, then the region as a whole: BENCH_INSTANCES region
 * processes on one database, the registers split between them, against the same raw insert. Then
 * the service's memory: a region process is fed up to M events (default 1,000,000) and its RSS
 * compared at 100k and at M.
 *
 *   BENCH_EVENTS=100000 BENCH_MEMORY_EVENTS=1000000 BENCH_BACKENDS=pglite,postgres BENCH_INSTANCES=2 BENCH_OUT=out.json
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startRegionProcess } from "../src/server/region-process.ts";
import { openPostgres } from "../src/storage/pg-database.ts";
import { createPgTestDatabase } from "../src/testing/test-databases.ts";
import { BATCH, makeBatches } from "./batches.ts";
import { type Backend, BENCH_TOKENS, BenchClient, startBenchRegion } from "./bench-region.ts";
import { logBenches } from "./log-benches.ts";
import { panGuardCost } from "./pan-guard-cost.ts";
import { createRawTable, rawInsert, rawRows } from "./raw-insert.ts";
import { mainThreadCpuMs, postgresCpuMs, threadCpuMs } from "./thread-cpu.ts";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const MEMORY_EVENTS = Number(process.env.BENCH_MEMORY_EVENTS ?? 1_000_000);
/** Registers sending at once (each register's batches in order); the raw baseline gets as many connections. */
const LANES = Number(process.env.BENCH_CONCURRENCY ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BACKENDS = (process.env.BENCH_BACKENDS ?? "pglite,postgres").split(",") as Backend[];
/** PostgreSQL: instances of one region on one database, the registers split between them (0 skips it). */
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 2);

const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
const micros = (cpuMs: number) => Number(((cpuMs * 1000) / EVENTS).toFixed(1));

async function throughput(backend: Backend) {
  const { region, url, close } = await startBenchRegion(backend, "bench");
  try {
    await client.prepare(EVENTS);
    const batchCount = Math.ceil(EVENTS / BATCH);
    const rawBatches = rawRows(makeBatches(EVENTS));
    await createRawTable(region.db);
    // The machine is shared (2 cores, other work running): the three measurements take turns in
    // rounds so a burst of outside load weighs on all of them, not on whichever ran then.
    let firstMs = 0;
    let replayMs = 0;
    let rawMs = 0;
    // How busy the region's own thread was during the first pass: near 1, it is the bottleneck.
    const firstPassBusy: number[] = [];
    // CPU time of that thread (the region's, and the raw insert's): steadier than wall time under outside load.
    let firstCpuMs = 0;
    let rawCpuMs = 0;
    // All of this process's threads (region, parsing worker, client, V8's helpers) and the server:
    // what each path costs the machine, which outside load inflates far less than wall time.
    const whole = { first: { process: 0, server: 0 }, raw: { process: 0, server: 0 } };
    const processCpuMs = () => [...threadCpuMs().values()].reduce((a, b) => a + b, 0);
    for (let r = 0; r < ROUNDS; r++) {
      const from = Math.floor((batchCount * r) / ROUNDS);
      const to = Math.floor((batchCount * (r + 1)) / ROUNDS);
      const elu = performance.eventLoopUtilization();
      const cpu0 = mainThreadCpuMs() ?? 0;
      let process0 = processCpuMs();
      let server0 = backend === "postgres" ? postgresCpuMs() : 0;
      firstMs += await client.post(url, from, to);
      firstCpuMs += (mainThreadCpuMs() ?? 0) - cpu0;
      whole.first.process += processCpuMs() - process0;
      if (backend === "postgres") whole.first.server += postgresCpuMs() - server0;
      firstPassBusy.push(performance.eventLoopUtilization(elu).utilization);
      replayMs += await client.post(url, from, to);
      process0 = processCpuMs();
      server0 = backend === "postgres" ? postgresCpuMs() : 0;
      const raw = await rawInsert(region.db, rawBatches.slice(from, to), LANES);
      whole.raw.process += processCpuMs() - process0;
      if (backend === "postgres") whole.raw.server += postgresCpuMs() - server0;
      rawMs += raw.ms;
      rawCpuMs += raw.cpuMs;
    }
    await region.db.query("DROP TABLE bench_raw");
    const stored = await region.db.query<{ n: number }>("SELECT count(*)::int AS n FROM records");
    if (Number(stored[0]?.n) !== EVENTS) throw new Error(`expected ${EVENTS} stored events, found ${stored[0]?.n}`);
    return {
      backend,
      events: EVENTS,
      batchSize: BATCH,
      concurrency: LANES,
      endToEnd: { ms: Math.round(firstMs), eventsPerSecond: rate(EVENTS, firstMs) },
      replay: { ms: Math.round(replayMs), eventsPerSecond: rate(EVENTS, replayMs) },
      rawInsert: { ms: Math.round(rawMs), eventsPerSecond: rate(EVENTS, rawMs) },
      regionThreadCpuMicrosPerEvent: {
        endToEnd: Math.round((firstCpuMs * 1000) / EVENTS),
        rawInsert: Math.round((rawCpuMs * 1000) / EVENTS),
      },
      // µs per event: this process's threads, and (PostgreSQL) every postgres process on the machine.
      cpuMicrosPerEvent: {
        endToEnd: { process: micros(whole.first.process), server: micros(whole.first.server) },
        rawInsert: { process: micros(whole.raw.process), server: micros(whole.raw.server) },
      },
      regionThreadBusy: Number((firstPassBusy.reduce((a, b) => a + b, 0) / firstPassBusy.length).toFixed(2)),
      endToEndVsRaw: Number((rawMs / firstMs).toFixed(3)),
      replayVsFirstPass: Number((firstMs / replayMs).toFixed(3)),
    };
  } finally {
    await close();
  }
}

/**
 * The region as a whole on PostgreSQL: INSTANCES region processes on one database, each fed by a
 * client of its own with its share of the LANES registers at a time (registers split between
 * instances, as a load balancer that keeps a register on one instance would), against the raw
 * insert with LANES connections into the same database, in turns as above.
 */
async function wholeRegion() {
  if (LANES % INSTANCES !== 0)
    throw new Error(`BENCH_CONCURRENCY (${LANES}) must be a multiple of BENCH_INSTANCES (${INSTANCES})`);
  const perInstance = LANES / INSTANCES;
  const pgdb = await createPgTestDatabase("bench_whole");
  const instances: Awaited<ReturnType<typeof startRegionProcess>>[] = [];
  const clients = Array.from({ length: INSTANCES }, () => new BenchClient(perInstance));
  const db = await openPostgres(pgdb.url, LANES);
  try {
    // One after the other: the first migrates the database, the next finds it migrated.
    for (let k = 0; k < INSTANCES; k++) {
      instances.push(
        await startRegionProcess({
          region: "bench",
          databaseUrl: pgdb.url,
          bootstrapTokens: BENCH_TOKENS,
          extraArgs: ["--log-level", "warn", "--background-jobs", "false"],
        }),
      );
    }
    await Promise.all(clients.map((c) => c.prepare(EVENTS)));
    const batchCount = Math.ceil(EVENTS / BATCH);
    const rawBatches = rawRows(makeBatches(EVENTS));
    await createRawTable(db);
    let firstMs = 0;
    let rawMs = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const from = Math.floor((batchCount * r) / ROUNDS);
      const to = Math.floor((batchCount * (r + 1)) / ROUNDS);
      const started = performance.now();
      await Promise.all(
        clients.map((c, k) => c.post((instances[k] as { url: string }).url, from, to, { of: LANES, from: k * perInstance })),
      );
      firstMs += performance.now() - started;
      rawMs += (await rawInsert(db, rawBatches.slice(from, to), LANES)).ms;
    }
    const stored = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM records");
    if (Number(stored[0]?.n) !== EVENTS) throw new Error(`expected ${EVENTS} stored events, found ${stored[0]?.n}`);
    return {
      instances: INSTANCES,
      events: EVENTS,
      concurrency: LANES,
      endToEnd: { ms: Math.round(firstMs), eventsPerSecond: rate(EVENTS, firstMs) },
      rawInsert: { ms: Math.round(rawMs), eventsPerSecond: rate(EVENTS, rawMs) },
      endToEndVsRaw: Number((rawMs / firstMs).toFixed(3)),
    };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(instances.map((p) => p.stop()));
    await db.close();
    await pgdb.drop();
  }
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  return Number(kb) * 1024;
}

async function memory(backend: Backend) {
  const dir = mkdtempSync(join(tmpdir(), "tl-bench-mem-"));
  const pgdb = backend === "postgres" ? await createPgTestDatabase("bench_mem") : undefined;
  const region = await startRegionProcess({
    region: "bench",
    ...(pgdb ? { databaseUrl: pgdb.url } : { dataDir: join(dir, "pgdata") }),
    bootstrapTokens: BENCH_TOKENS,
    extraArgs: ["--log-level", "warn", "--background-jobs", "false"],
  });
  try {
    const pid = region.pid as number;
    const samples: Array<{ events: number; rssMiB: number }> = [];
    const step = 100_000;
    const started = performance.now();
    for (let done = 0; done < MEMORY_EVENTS; done += step) {
      const n = Math.min(step, MEMORY_EVENTS - done);
      await client.stream(region.url, done, n);
      samples.push({ events: done + n, rssMiB: Math.round(rssOf(pid) / 2 ** 20) });
      process.stdout.write(`  ${backend} memory: ${done + n} events, rss ${samples.at(-1)?.rssMiB} MiB\n`);
    }
    const first = samples[0] as { rssMiB: number };
    const last = samples.at(-1) as { rssMiB: number };
    return {
      backend,
      events: MEMORY_EVENTS,
      seconds: Math.round((performance.now() - started) / 1000),
      samples,
      growthFrom100k: Number((last.rssMiB / first.rssMiB - 1).toFixed(3)),
    };
  } finally {
    await region.stop();
    await pgdb?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const client = new BenchClient(LANES);
const guard = panGuardCost(makeBatches(EVENTS));
console.log(
  `card number guard: ${guard.guardMicrosPerEvent} µs per event (a bare walk of the same values: ${guard.walkMicrosPerEvent} µs)`,
);
const results: Record<string, unknown> = {
  events: EVENTS,
  memoryEvents: MEMORY_EVENTS,
  batchSize: BATCH,
  panGuard: guard,
  backends: {},
};
for (const backend of BACKENDS) {
  console.log(`\n${backend}: ${EVENTS} events in batches of ${BATCH} over HTTP, ${LANES} registers at a time`);
  const t = await throughput(backend);
  console.log(
    `  end-to-end ${t.endToEnd.eventsPerSecond}/s (${t.endToEnd.ms} ms), replay ${t.replay.eventsPerSecond}/s (${t.replay.ms} ms), raw unnest insert ${t.rawInsert.eventsPerSecond}/s (${t.rawInsert.ms} ms)`,
  );
  console.log(
    `  end-to-end / raw: ${t.endToEndVsRaw} (target >= 0.5); replay speed / first pass: ${t.replayVsFirstPass} (target >= 1)`,
  );
  console.log(
    `  region thread busy during the first pass: ${Math.round(t.regionThreadBusy * 100)}%, its CPU per event: ${t.regionThreadCpuMicrosPerEvent.endToEnd} µs (raw insert: ${t.regionThreadCpuMicrosPerEvent.rawInsert} µs)`,
  );
  console.log(
    `  CPU per event, µs: end-to-end ${t.cpuMicrosPerEvent.endToEnd.process} this process + ${t.cpuMicrosPerEvent.endToEnd.server} server, raw insert ${t.cpuMicrosPerEvent.rawInsert.process} + ${t.cpuMicrosPerEvent.rawInsert.server}`,
  );
  const w = backend === "postgres" && INSTANCES > 1 ? await wholeRegion() : undefined;
  if (w) {
    console.log(
      `  the region as a whole, ${w.instances} instances on one database, ${LANES / w.instances} registers at a time each: end-to-end ${w.endToEnd.eventsPerSecond}/s (${w.endToEnd.ms} ms), raw unnest insert ${w.rawInsert.eventsPerSecond}/s (${w.rawInsert.ms} ms)`,
    );
    console.log(`  the region as a whole, end-to-end / raw: ${w.endToEndVsRaw} (target >= 0.5)`);
  }
  const m = MEMORY_EVENTS > 0 ? await memory(backend) : undefined;
  if (m)
    console.log(`  memory: rss growth from 100k to ${MEMORY_EVENTS}: ${(m.growthFrom100k * 100).toFixed(1)}% (target <= 20%)`);
  (results.backends as Record<string, unknown>)[backend] = { ...t, ...(w ? { wholeRegion: w } : {}), memory: m };
}
// The log's readers beside appends and the digest at scale (issue 20): PostgreSQL, production's.
if (BACKENDS.includes("postgres")) results.log = await logBenches();
if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, `${JSON.stringify(results, null, 2)}\n`);
await client.close();
