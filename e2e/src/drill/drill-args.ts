/** `pnpm drill` flags: parsed here (main.ts only wires them to runDrill), so tests can read them. */
import { parseArgs } from "node:util";
import { DEFAULT_DRILL, DRILL_SCENARIOS, type DrillOptions, type DrillScenario } from "./run-drill.ts";

/** The fleet drill's defaults: a realistic pace for thousands of registers on two cores. */
export const FLEET_DEFAULT_RATE = 1 / 10;
export const FLEET_DEFAULT_PER_STORE = 4;
export const FLEET_DEFAULT_DURATION = 150;
export const FLEET_DEFAULT_WARMUP = 300;
/**
 * Registers per fleet process: each commit fsyncs on the process's one thread, so a process records
 * about one sale per fsync; at a fleet's pace 250 registers keep well below that.
 */
export const REGISTERS_PER_FLEET_PROCESS = 250;

const OPTIONS = {
  agents: { type: "string" },
  "per-store": { type: "string" },
  duration: { type: "string" },
  rate: { type: "string" },
  warmup: { type: "string" },
  out: { type: "string" },
  "data-dir": { type: "string" },
  seed: { type: "string" },
  pg: { type: "boolean" },
  scenario: { type: "string" },
  fleet: { type: "string" },
  "fleet-processes": { type: "string" },
  instances: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export const DRILL_USAGE = `usage: pnpm drill [--agents N] [--per-store N] [--duration S] [--rate R] [--warmup S] [--seed N]
                 [--out DIR] [--data-dir DIR] [--pg] [--scenario failover|restore]
                 [--fleet N [--fleet-processes P]] [--instances N]
  --agents N        registers (agents) to run (default ${DEFAULT_DRILL.agents})
  --per-store N     registers per store (default ${DEFAULT_DRILL.registersPerStore})
  --duration S      seconds of load after the warm-up (default ${DEFAULT_DRILL.durationSec})
  --rate R          cashier actions per second per register (default ${DEFAULT_DRILL.rate})
  --warmup S        seconds every register may take to sync its first sale (default ${DEFAULT_DRILL.warmupTimeoutSec})
  --seed N          the workload's random seed (default ${DEFAULT_DRILL.seed})
  --out DIR         where report.json and report.html go (default ${DEFAULT_DRILL.outDir})
  --data-dir DIR    the drill's working data (default $TENDERLINE_DATA_DIR/drill, else .tenderline/drill)
  --pg              regions on PostgreSQL: DATABASE_URL_A and DATABASE_URL_B when set, else fresh
                    databases the drill creates (and drops) on TENDERLINE_TEST_PG_URL's server
                    (default postgres://postgres@127.0.0.1:5432/postgres); without --pg, PGlite
  --fleet N         N registers hosted by fleet processes (many agent cores per process, each
                    its own outbox, sync engine and credential) instead of a process each; one
                    register stays a process of its own (the one the drill kills). Defaults then:
                    --rate ${FLEET_DEFAULT_RATE.toFixed(3)} (an action per register every ${(1 / FLEET_DEFAULT_RATE).toFixed(1)} s), --per-store ${FLEET_DEFAULT_PER_STORE},
                    --duration ${FLEET_DEFAULT_DURATION}, --warmup ${FLEET_DEFAULT_WARMUP}, and with --pg --instances 2
  --fleet-processes P  fleet processes (default one per ${REGISTERS_PER_FLEET_PROCESS} registers)
  --instances N     instances per region behind an HAProxy load balancer (PostgreSQL only); with
                    more than one, one instance of region A is SIGKILLed first (no event may fail
                    over to region B for it), then the rest of region A
  --scenario NAME   failover: region A killed, a store cut off, an agent killed (the default);
                    restore: region A backed up, later killed and restored from that backup
                    (it must find the rewind itself), consumers following the feed's resume protocol
  -h, --help        print this and exit
environment: TENDERLINE_DATA_DIR, DATABASE_URL_A, DATABASE_URL_B, TENDERLINE_TEST_PG_URL (with --pg)
(the npm habit works too: pnpm drill -- --agents 10)`;

export class DrillArgsError extends Error {
  /** The one-line reason, without the usage. */
  readonly reason: string;
  constructor(reason: string) {
    super(`${reason}\n${DRILL_USAGE}`);
    this.name = "DrillArgsError";
    this.reason = reason;
  }
}

export type DrillArgs = { help: true } | { help: false; options: DrillOptions };

/** The drill's options from its argv and environment; a leading `--` is ignored. Throws DrillArgsError. */
export function parseDrillArgs(argv: readonly string[], env: NodeJS.ProcessEnv): DrillArgs {
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  let values: { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]["type"] extends "boolean" ? boolean : string };
  try {
    ({ values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new DrillArgsError((error as Error).message.replace(/\. (To specify a positional|This command does not take).*$/s, ""));
  }
  if (values.help) return { help: true };
  const positive = (v: string | undefined, fallback: number, name: string) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new DrillArgsError(`--${name} must be a positive number, got ${v}`);
    return n;
  };
  const whole = (v: string | undefined, name: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new DrillArgsError(`--${name} must be a whole number of at least 1, got ${v}`);
    return n;
  };
  const fleetSize = whole(values.fleet, "fleet");
  if (values.fleet !== undefined && values.agents !== undefined)
    throw new DrillArgsError("--fleet N sets the number of registers: leave out --agents");
  if (values["fleet-processes"] !== undefined && fleetSize === undefined)
    throw new DrillArgsError("--fleet-processes needs --fleet N");
  if (fleetSize !== undefined && fleetSize < 2)
    throw new DrillArgsError("--fleet needs at least 2 registers (one of them runs as a process of its own)");
  const instances = whole(values.instances, "instances") ?? (fleetSize !== undefined && values.pg ? 2 : 1);
  if (instances > 1 && !values.pg)
    throw new DrillArgsError(
      "--instances above 1 needs --pg: a region's instances share one PostgreSQL database (PGlite is one process's own)",
    );
  const fleetDefault = <T>(fleetValue: T, plain: T) => (fleetSize !== undefined ? fleetValue : plain);
  const scenario = (values.scenario ?? DEFAULT_DRILL.scenario) as DrillScenario;
  if (!DRILL_SCENARIOS.includes(scenario))
    throw new DrillArgsError(`--scenario must be one of ${DRILL_SCENARIOS.join(", ")}, got ${values.scenario}`);
  return {
    help: false,
    options: {
      ...DEFAULT_DRILL,
      agents: fleetSize ?? positive(values.agents, DEFAULT_DRILL.agents, "agents"),
      registersPerStore: positive(
        values["per-store"],
        fleetDefault(FLEET_DEFAULT_PER_STORE, DEFAULT_DRILL.registersPerStore),
        "per-store",
      ),
      durationSec: positive(values.duration, fleetDefault(FLEET_DEFAULT_DURATION, DEFAULT_DRILL.durationSec), "duration"),
      rate: positive(values.rate, fleetDefault(FLEET_DEFAULT_RATE, DEFAULT_DRILL.rate), "rate"),
      warmupTimeoutSec: positive(values.warmup, fleetDefault(FLEET_DEFAULT_WARMUP, DEFAULT_DRILL.warmupTimeoutSec), "warmup"),
      instancesPerRegion: instances,
      ...(fleetSize !== undefined
        ? {
            fleet: {
              processes:
                whole(values["fleet-processes"], "fleet-processes") ?? Math.ceil(fleetSize / REGISTERS_PER_FLEET_PROCESS),
            },
          }
        : {}),
      outDir: values.out ?? DEFAULT_DRILL.outDir,
      dataDir: values["data-dir"] ?? `${env.TENDERLINE_DATA_DIR ?? ".tenderline"}/drill`,
      seed: positive(values.seed, DEFAULT_DRILL.seed, "seed"),
      scenario,
      databaseUrls: values.pg ? { A: env.DATABASE_URL_A, B: env.DATABASE_URL_B } : undefined,
      pg: values.pg === true,
    },
  };
}
