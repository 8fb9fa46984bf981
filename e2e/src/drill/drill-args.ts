/** `pnpm drill` flags: parsed here (main.ts only wires them to runDrill), so tests can read them. */
import { parseArgs } from "node:util";
import { DEFAULT_DRILL, DRILL_SCENARIOS, type DrillOptions, type DrillScenario } from "./run-drill.ts";

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
  help: { type: "boolean", short: "h" },
} as const;

export const DRILL_USAGE = `usage: pnpm drill [--agents N] [--per-store N] [--duration S] [--rate R] [--warmup S] [--seed N]
                 [--out DIR] [--data-dir DIR] [--pg] [--scenario failover|restore]
  --agents N        registers (agents) to run (default ${DEFAULT_DRILL.agents})
  --per-store N     registers per store (default ${DEFAULT_DRILL.registersPerStore})
  --duration S      seconds of load after the warm-up (default ${DEFAULT_DRILL.durationSec})
  --rate R          cashier actions per second per register (default ${DEFAULT_DRILL.rate})
  --warmup S        seconds every register may take to sync its first sale (default ${DEFAULT_DRILL.warmupTimeoutSec})
  --seed N          the workload's random seed (default ${DEFAULT_DRILL.seed})
  --out DIR         where report.json and report.html go (default ${DEFAULT_DRILL.outDir})
  --data-dir DIR    the drill's working data (default $TENDERLINE_DATA_DIR/drill, else .tenderline/drill)
  --pg              regions on PostgreSQL: DATABASE_URL_A and DATABASE_URL_B (default PGlite)
  --scenario NAME   failover: region A killed, a store cut off, an agent killed (the default);
                    restore: region A backed up, later killed and restored from that backup
                    (it must find the rewind itself), consumers following the feed's resume protocol
  -h, --help        print this and exit
environment: TENDERLINE_DATA_DIR, DATABASE_URL_A, DATABASE_URL_B (with --pg)
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
  const scenario = (values.scenario ?? DEFAULT_DRILL.scenario) as DrillScenario;
  if (!DRILL_SCENARIOS.includes(scenario))
    throw new DrillArgsError(`--scenario must be one of ${DRILL_SCENARIOS.join(", ")}, got ${values.scenario}`);
  return {
    help: false,
    options: {
      ...DEFAULT_DRILL,
      agents: positive(values.agents, DEFAULT_DRILL.agents, "agents"),
      registersPerStore: positive(values["per-store"], DEFAULT_DRILL.registersPerStore, "per-store"),
      durationSec: positive(values.duration, DEFAULT_DRILL.durationSec, "duration"),
      rate: positive(values.rate, DEFAULT_DRILL.rate, "rate"),
      warmupTimeoutSec: positive(values.warmup, DEFAULT_DRILL.warmupTimeoutSec, "warmup"),
      outDir: values.out ?? DEFAULT_DRILL.outDir,
      dataDir: values["data-dir"] ?? `${env.TENDERLINE_DATA_DIR ?? ".tenderline"}/drill`,
      seed: positive(values.seed, DEFAULT_DRILL.seed, "seed"),
      scenario,
      databaseUrls: values.pg ? { A: env.DATABASE_URL_A, B: env.DATABASE_URL_B } : undefined,
    },
  };
}
