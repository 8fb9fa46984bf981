/**
 * Recording benchmark (issue 3): checkouts of 3 lines and 2 tenders through the core (the
 * RegisterService call the HTTP handler makes) and through the HTTP API of a real agent process
 * with 16 concurrent keep-alive clients, against a raw better-sqlite3 single-row autocommit
 * insert with the same pragmas (core and raw in alternating blocks of 500, so a shared machine's
 * changing load hits both alike). Prints throughput, p50/p99 and the ratios; with BENCH_OUT set,
 * merges its figures into that JSON file under "edge-agent.record".
 */
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pino from "pino";
import { createAgent } from "../src/agent.ts";
import { parseConfig } from "../src/config/config.ts";
import { applyPragmas } from "../src/storage/database.ts";
import { startAgentProcess, writeConfig } from "../src/testing/agent-process.ts";
import { sampleSale } from "../src/testing/fixtures.ts";
import { writeBenchOut } from "./bench-out.ts";
import { figures, type RunFigures, round } from "./stats.ts";

const N = Number(process.env.BENCH_RECORDS ?? 10_000);
const WARMUP = 500;
const HTTP_N = Number(process.env.BENCH_HTTP_SALES ?? 20_000);
const CLIENTS = 16;

/** Core and raw are measured in alternating blocks, so both see the same load on a shared machine. */
const BLOCK = 500;

interface Runner {
  /** Runs item i and returns its latency in ms. */
  once(i: number): number;
  close(): void;
}

function rawInsertRunner(dir: string, body: string): Runner {
  const db = new Database(join(dir, "raw.db"));
  applyPragmas(db);
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  const insert = db.prepare("INSERT INTO t (body) VALUES (?)");
  return {
    once() {
      const t0 = performance.now();
      insert.run(body);
      return performance.now() - t0;
    },
    close: () => db.close(),
  };
}

function coreRunner(dir: string): Runner & { bodyBytes(): number } {
  const agent = createAgent(parseConfig({ storeId: "bench", registerId: "r1", dataDir: join(dir, "core"), logLevel: "silent" }), {
    logger: pino({ level: "silent" }),
  });
  const requests = Array.from({ length: N + WARMUP }, () => sampleSale());
  return {
    once(i) {
      const request = requests[i] as ReturnType<typeof sampleSale>;
      const t0 = performance.now();
      agent.service.recordSale(request);
      return performance.now() - t0;
    },
    bodyBytes: () => (agent.db.prepare("SELECT bytes FROM outbox WHERE seq = 1").get() as { bytes: number }).bytes,
    close: () => void agent.close(),
  };
}

/** Core record and the raw insert baseline, interleaved block by block; each timed only over its own blocks. */
function coreAndRaw(dir: string): { core: RunFigures; raw: RunFigures; bodyBytes: number } {
  const core = coreRunner(dir);
  for (let i = 0; i < WARMUP; i++) core.once(i);
  const bodyBytes = core.bodyBytes();
  const raw = rawInsertRunner(dir, "x".repeat(bodyBytes));
  for (let i = 0; i < WARMUP; i++) raw.once(i);
  const lat = { core: [] as number[], raw: [] as number[] };
  const ms = { core: 0, raw: 0 };
  for (let from = 0; from < N; from += BLOCK) {
    const to = Math.min(N, from + BLOCK);
    for (const [name, runner] of [
      ["core", core],
      ["raw", raw],
    ] as const) {
      const start = performance.now();
      for (let i = from; i < to; i++) lat[name].push(runner.once(WARMUP + i));
      ms[name] += performance.now() - start;
    }
  }
  core.close();
  raw.close();
  return { core: figures(lat.core, ms.core / 1000), raw: figures(lat.raw, ms.raw / 1000), bodyBytes };
}

function postSale(agentPool: http.Agent, port: number, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: "/api/v1/sales",
        method: "POST",
        agent: agentPool,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function httpRecord(dir: string): Promise<RunFigures> {
  const configFile = writeConfig(dir, { storeId: "bench", registerId: "r2", dataDir: "http", port: 0, logLevel: "warn" });
  const agent = await startAgentProcess(configFile);
  const pool = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const bodies = Array.from({ length: HTTP_N + WARMUP }, () => JSON.stringify(sampleSale()));
  try {
    let next = 0;
    const run = async (from: number, limit: number, lat: number[] | null) => {
      next = from;
      const client = async () => {
        for (;;) {
          const i = next++;
          if (i >= limit) return;
          const t0 = performance.now();
          const status = await postSale(pool, agent.port, bodies[i] as string);
          if (status !== 201) throw new Error(`sale answered ${status}`);
          lat?.push(performance.now() - t0);
        }
      };
      await Promise.all(Array.from({ length: CLIENTS }, client));
    };
    await run(0, WARMUP, null);
    const lat: number[] = [];
    const start = performance.now();
    await run(WARMUP, WARMUP + HTTP_N, lat);
    return figures(lat, (performance.now() - start) / 1000);
  } finally {
    pool.destroy();
    await agent.kill("SIGTERM");
  }
}

export async function recordBench() {
  const dir = mkdtempSync(join(tmpdir(), "tl-bench-record-"));
  try {
    const { core: coreRun, raw, bodyBytes } = coreAndRaw(dir);
    const core = { run: coreRun, bodyBytes };
    const viaHttp = await httpRecord(dir);
    const result = {
      eventBytes: core.bodyBytes,
      rawInsert: raw,
      core: core.run,
      http: { ...viaHttp, clients: CLIENTS },
      ratios: {
        coreVsRaw: round(core.run.perSecond / raw.perSecond, 3),
        httpVsRaw: round(viaHttp.perSecond / raw.perSecond, 3),
      },
      targets: {
        coreP99Under1ms: core.run.p99Ms < 1,
        coreAtLeast60PctOfRaw: core.run.perSecond >= 0.6 * raw.perSecond,
        httpAtLeast2000PerSecond: viaHttp.perSecond >= 2000,
      },
    };
    console.log("edge-agent record benchmark (checkout = 3 lines, 2 tenders)");
    console.table({
      "raw insert (baseline)": raw,
      "core record": core.run,
      [`HTTP (${CLIENTS} clients)`]: viaHttp,
    });
    console.log(
      `core/raw ${result.ratios.coreVsRaw}  http/raw ${result.ratios.httpVsRaw}  targets ${JSON.stringify(result.targets)}`,
    );
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await recordBench();
  writeBenchOut({ record: result });
}
