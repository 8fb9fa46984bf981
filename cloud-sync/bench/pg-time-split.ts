/**
 * Where the wall time of ingest goes on PostgreSQL, beside the raw insert: every statement this
 * process sends (pg's Client.query, COPY included) timed from the call to its answer and counted per
 * batch; the wait for a pooled connection; and, sampled every few ms from a connection of its own,
 * what the database's other sessions are doing (running, waiting on a lock and which, idle inside a
 * transaction: waiting for this process, or idle). Then the same for the raw insert.
 *
 *   BENCH_EVENTS=50000 BENCH_CONCURRENCY=4 node --import tsx bench/pg-time-split.ts
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { BATCH, makeBatches } from "./batches.ts";
import { BenchClient, startBenchRegion } from "./bench-region.ts";
import { createRawTable, rawInsert, rawRows } from "./raw-insert.ts";
import { threadCpuMs } from "./thread-cpu.ts";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 50_000);
const LANES = Number(process.env.BENCH_CONCURRENCY ?? 4);
const SAMPLE_MS = 2;

/** A statement's kind: its first words, parameters and literals aside, so one kind is one line. */
function kindOf(config: unknown): string {
  const text =
    typeof config === "string"
      ? config
      : typeof config === "object" && config !== null && "text" in config
        ? String((config as { text: unknown }).text)
        : "COPY … FROM STDIN";
  return text.replace(/\s+/g, " ").trim().slice(0, 60);
}

const statements = new Map<string, { n: number; ms: number }>();
let connectWaitMs = 0;
let connects = 0;
const add = (kind: string, ms: number) => {
  const s = statements.get(kind) ?? { n: 0, ms: 0 };
  s.n++;
  s.ms += ms;
  statements.set(kind, s);
};

// Timing wrappers around the driver: every query of the region and of the raw insert passes here.
type QueryFn = (this: pg.Client, ...args: unknown[]) => unknown;
const proto = pg.Client.prototype as unknown as { query: QueryFn };
const query = proto.query;
/** The sampler's own connection, left out of the statement figures. */
const unTimed = new WeakSet<pg.Client>();
proto.query = function (this: pg.Client, ...args: unknown[]) {
  if (unTimed.has(this)) return query.apply(this, args);
  const kind = kindOf(args[0]);
  const started = performance.now();
  const callback = args.at(-1);
  if (typeof callback === "function") {
    // pool.query's form: (text, values, callback).
    args[args.length - 1] = (...answer: unknown[]) => {
      add(kind, performance.now() - started);
      return callback(...answer);
    };
    return query.apply(this, args);
  }
  const result = query.apply(this, args);
  if (result instanceof Promise) {
    result.then(
      () => add(kind, performance.now() - started),
      () => add(`${kind} (failed)`, performance.now() - started),
    );
  } else if (result && typeof (result as NodeJS.EventEmitter).once === "function") {
    // A query object (the region's COPY): done when the server has answered it.
    const query = result as NodeJS.EventEmitter;
    let counted = false;
    const done = () => {
      if (!counted) add(kind, performance.now() - started);
      counted = true;
    };
    query.once("end", done);
    query.once("finish", done);
    query.once("error", done);
  }
  return result;
};
const poolProto = pg.Pool.prototype as unknown as { connect: (...args: unknown[]) => unknown };
const connect = poolProto.connect;
poolProto.connect = function (this: pg.Pool, ...args: unknown[]) {
  const started = performance.now();
  const result = connect.apply(this, args);
  if (result instanceof Promise) {
    void result.then(
      () => {
        connects++;
        connectWaitMs += performance.now() - started;
      },
      () => undefined,
    );
  }
  return result;
};

/** A thread's name as Linux shows it (the main thread is the process's). */
function threadName(tid: number): string {
  if (tid === process.pid) return "main";
  try {
    return readFileSync(`/proc/${process.pid}/task/${tid}/comm`, "utf8").trim();
  } catch (error) {
    void error; // the thread has ended: its number names it
    return String(tid);
  }
}

/** Samples the database's sessions (not the sampler's) until stopped: how many were in each state. */
function sampleSessions(url: string) {
  const sampler = new pg.Client({ connectionString: url });
  unTimed.add(sampler);
  const counts = new Map<string, number>();
  let samples = 0;
  let stopped = false;
  const run = (async () => {
    await sampler.connect();
    const name = new URL(url).pathname.slice(1);
    while (!stopped) {
      const { rows } = await sampler.query<{ state: string | null; wait: string | null }>(
        `SELECT state, CASE WHEN wait_event_type IS NULL THEN NULL
                            WHEN wait_event_type = 'Lock' THEN 'Lock:' || wait_event
                            ELSE wait_event_type || ':' || wait_event END AS wait
         FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
        [name],
      );
      samples++;
      for (const r of rows) {
        const key =
          r.state === "active" ? (r.wait ? `active, waiting ${r.wait}` : "active, running") : String(r.state ?? "unknown");
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
    await sampler.end();
  })();
  return {
    async stop() {
      stopped = true;
      await run;
      return { samples, counts };
    },
  };
}

async function measure(label: string, url: string, batches: number, work: () => Promise<unknown>) {
  statements.clear();
  connectWaitMs = 0;
  connects = 0;
  const sampler = sampleSessions(url);
  const threads0 = threadCpuMs();
  const started = performance.now();
  const elu = performance.eventLoopUtilization();
  await work();
  const ms = performance.now() - started;
  const busy = performance.eventLoopUtilization(elu).utilization;
  const threads = [...threadCpuMs()].map(([tid, cpu]) => ({ tid, busy: (cpu - (threads0.get(tid) ?? 0)) / ms }));
  const { samples, counts } = await sampler.stop();
  const events = batches * BATCH;
  console.log(
    `\n${label}: ${events} events in ${Math.round(ms)} ms = ${Math.round((events / ms) * 1000)}/s; this thread busy ${Math.round(busy * 100)}%`,
  );
  console.log(
    `  per batch: ${(ms / batches).toFixed(2)} ms wall over ${LANES} lanes = ${((ms * LANES) / batches).toFixed(2)} ms per batch in flight`,
  );
  console.log(
    `  threads of this process, share of the wall time on a CPU: ${threads
      .filter((t) => t.busy >= 0.02)
      .sort((a, b) => b.busy - a.busy)
      .map((t) => `${threadName(t.tid)} ${Math.round(t.busy * 100)}%`)
      .join(", ")}`,
  );
  console.log(`  pool connect: ${connects} waits, ${(connectWaitMs / Math.max(1, connects)).toFixed(2)} ms each`);
  let total = 0;
  for (const [kind, s] of [...statements].sort((a, b) => b[1].ms - a[1].ms)) {
    total += s.ms;
    console.log(
      `  ${(s.n / batches).toFixed(2).padStart(5)}/batch ${(s.ms / s.n).toFixed(2).padStart(7)} ms  ${(s.ms / batches).toFixed(2).padStart(6)} ms/batch  ${kind}`,
    );
  }
  console.log(
    `  statements: ${(total / batches).toFixed(2)} ms per batch of the ${((ms * LANES) / batches).toFixed(2)} a lane spends on it`,
  );
  console.log(`  the database's sessions, sampled every ${SAMPLE_MS} ms (${samples} samples), average number in each state:`);
  for (const [state, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`    ${(n / samples).toFixed(2)}  ${state}`);
}

const client = new BenchClient(LANES);
const { region, url, databaseUrl: dbUrl, close } = await startBenchRegion("postgres", "timesplit");
try {
  await client.prepare(EVENTS);
  const batches = Math.ceil(EVENTS / BATCH);
  const warm = Math.max(1, Math.floor(batches / 10));
  await client.post(url, 0, warm);
  if (!dbUrl) throw new Error("the bench region did not say its database URL");
  await measure("first pass through the region", dbUrl, batches - warm, () => client.post(url, warm, batches));
  await createRawTable(region.db);
  const raw = rawRows(makeBatches(EVENTS));
  await rawInsert(region.db, raw.slice(0, warm), LANES);
  await measure("raw insert", dbUrl, batches - warm, () => rawInsert(region.db, raw.slice(warm), LANES));
} finally {
  await close();
  await client.close();
}
