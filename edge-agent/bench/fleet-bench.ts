/**
 * Fleet memory benchmark: what one register's agent core costs inside a fleet process
 * (src/fleet), against the scale drill's budget of 4 MiB per register (8 GiB RSS for 2,000
 * registers, all fleet processes together). The real entry (`src/fleet/fleet-main.ts`) runs as a
 * child process hosting BENCH_FLEET_REGISTERS (200) cores with in-process sync to a fake region
 * in this process (one credential per register); its GET /fleet/memory is read idle, then after
 * BENCH_FLEET_SALES (5) sales per register were sold through /r/<id>/api/v1/sales and every one
 * acked. BENCH_FLEET_CACHE_KIB sets the cores' SQLite page cache (default the fleet's own).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FleetMemorySchema, FleetQueuesSchema } from "@tenderline/shared";
import { ServiceProcess } from "@tenderline/shared/process";
import { FLEET_DB_CACHE_KIB } from "../src/fleet/fleet-host.ts";
import { startFakeRegion } from "../src/testing/fake-region.ts";
import { sampleSale } from "../src/testing/fixtures.ts";
import { writeBenchOut } from "./bench-out.ts";
import { round } from "./stats.ts";

const REGISTERS = Number(process.env.BENCH_FLEET_REGISTERS ?? 200);
const SALES_EACH = Number(process.env.BENCH_FLEET_SALES ?? 5);
const CACHE_KIB = Number(process.env.BENCH_FLEET_CACHE_KIB ?? FLEET_DB_CACHE_KIB);
const CLIENTS = 16;
const BUDGET_MIB = 4;
const DRILL_REGISTERS = 2000;
const MIB = 1024 * 1024;
const FLEET_MAIN = fileURLToPath(new URL("../src/fleet/fleet-main.ts", import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function get(pool: http.Agent, port: number, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, agent: pool }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          text += c;
        });
        res.on("end", () =>
          res.statusCode === 200
            ? resolve(JSON.parse(text))
            : reject(new Error(`GET ${path} answered ${res.statusCode}: ${text}`)),
        );
      })
      .on("error", reject);
  });
}

function postSale(pool: http.Agent, port: number, registerId: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: `/r/${registerId}/api/v1/sales`,
        method: "POST",
        agent: pool,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          text += c;
        });
        res.on("end", () => (res.statusCode === 201 ? resolve() : reject(new Error(`sale answered ${res.statusCode}: ${text}`))));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function figuresOf(raw: unknown) {
  const m = FleetMemorySchema.parse(raw);
  return {
    /** Before the first register started. */
    baselineRssMiB: round(m.baselineRssBytes / MIB, 1),
    rssMiB: round(m.rssBytes / MIB, 1),
    heapUsedMiB: round(m.heapUsedBytes / MIB, 1),
    /** The whole process divided by its registers: what the budget is held to. */
    perRegisterMiB: round(m.perRegisterBytes / MIB, 3),
    /** What each register adds above the process's baseline (Node, modules, the server). */
    marginalPerRegisterMiB: round((m.rssBytes - m.baselineRssBytes) / m.registers / MIB, 3),
    ratioToBudget: round(m.perRegisterBytes / MIB / BUDGET_MIB, 3),
  };
}

export async function fleetBench() {
  const dir = mkdtempSync(join(tmpdir(), "tl-bench-fleet-"));
  const ids = Array.from({ length: REGISTERS }, (_, i) => `reg-${String(i + 1).padStart(4, "0")}`);
  const tokenOf = (id: string) => `tl_store_bench_${id}_0123456789abcdef`;
  const region = await startFakeRegion({ name: "A", registerTokens: Object.fromEntries(ids.map((id) => [id, tokenOf(id)])) });
  const pool = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  let fleet: ServiceProcess | undefined;
  try {
    const agentFiles = ids.map((id) => {
      const file = join(dir, "agents", `${id}.json`);
      mkdirSync(join(dir, "agents"), { recursive: true });
      writeFileSync(
        file,
        JSON.stringify({
          storeId: "bench-store",
          registerId: id,
          dataDir: `../data/${id}`,
          storeToken: tokenOf(id),
          regions: [{ name: "A", url: region.url }],
          logLevel: "warn",
          sync: { probeIntervalMs: 2000, idlePollMs: 1000 },
        }),
      );
      return file;
    });
    const fleetFile = join(dir, "fleet.json");
    writeFileSync(
      fleetFile,
      JSON.stringify({ agents: agentFiles, logLevel: "warn", logFile: "fleet.log", dbCacheKiB: CACHE_KIB }),
    );

    const startedAt = performance.now();
    fleet = await ServiceProcess.start({
      name: "fleet",
      script: FLEET_MAIN,
      args: ["--config", fleetFile],
      cwd: PACKAGE_DIR,
      startTimeoutMs: 180_000,
      stopGraceMs: 30_000,
    });
    const startSeconds = (performance.now() - startedAt) / 1000;
    const port = fleet.port;
    // Idle: every engine has probed and looked for work a few times.
    await sleep(3000);
    const idle = figuresOf(await get(pool, port, "/fleet/memory"));

    const salesStart = performance.now();
    const bodies = ids.flatMap((id) => Array.from({ length: SALES_EACH }, () => [id, JSON.stringify(sampleSale())] as const));
    let next = 0;
    const client = async () => {
      for (;;) {
        const i = next++;
        if (i >= bodies.length) return;
        const [id, body] = bodies[i] as readonly [string, string];
        await postSale(pool, port, id, body);
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    const salesSeconds = (performance.now() - salesStart) / 1000;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const queues = FleetQueuesSchema.parse(await get(pool, port, "/fleet/queues"));
      const behind = ids.filter((id) => queues.registers[id]?.counts.acked !== SALES_EACH).length;
      if (behind === 0) break;
      if (Date.now() > deadline) throw new Error(`${behind} registers still had sales not acked after 60 s`);
      await sleep(250);
    }
    const drainSeconds = (performance.now() - salesStart) / 1000;
    await sleep(2000);
    const busy = figuresOf(await get(pool, port, "/fleet/memory"));
    const deliveredOnce = [...region.deliveries.values()].every((n) => n === 1) && region.deliveries.size === bodies.length;

    await fleet.stop("SIGTERM");
    const exitCode = fleet.child?.exitCode ?? null;
    const worst = Math.max(idle.perRegisterMiB, busy.perRegisterMiB);
    const result = {
      registers: REGISTERS,
      salesEach: SALES_EACH,
      dbCacheKiB: CACHE_KIB,
      startSeconds: round(startSeconds, 1),
      salesPerSec: Math.round(bodies.length / salesSeconds),
      salesToAllAckedSeconds: round(drainSeconds, 1),
      idle,
      afterSales: busy,
      budgetMiBPerRegister: BUDGET_MIB,
      /** 2,000 registers at this process's figure per register. */
      projectedDrillRssGiB: round((worst * DRILL_REGISTERS) / 1024, 2),
      targets: {
        underBudget: worst <= BUDGET_MIB,
        everySaleDeliveredOnce: deliveredOnce,
        sigtermExitsZero: exitCode === 0,
      },
    };
    console.log(`edge-agent fleet memory benchmark (${REGISTERS} registers in one fleet process, page cache ${CACHE_KIB} KiB)`);
    console.table({ idle, [`after ${SALES_EACH} sales each, all acked`]: busy });
    console.log(
      `start ${result.startSeconds} s; ${result.salesPerSec} sales/s through the fleet; per register ${worst} MiB = ${round(worst / BUDGET_MIB, 3)} of the ${BUDGET_MIB} MiB budget; 2,000 registers ≈ ${result.projectedDrillRssGiB} GiB; targets ${JSON.stringify(result.targets)}`,
    );
    return result;
  } finally {
    if (fleet?.running) await fleet.stop("SIGKILL");
    pool.destroy();
    await region.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeBenchOut({ fleet: await fleetBench() });
}
