import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { parseArgs as parseFlags } from "node:util";
import { z } from "zod";
import { type AgentConfig, ConfigError, loadConfig } from "../config/config.ts";

/**
 * FLEET.json: the agent config files of the registers one fleet process hosts (each read exactly as
 * the agent reads its own, credentials included: they stay in those files), and the fleet's own settings.
 */
export const FleetFileSchema = z.object({
  agents: z.array(z.string().min(1)).min(1, "agents must list at least one agent config file"),
  /** The fleet's one log (every register logs there with its registerId); stdout when absent. */
  logFile: z.string().optional(),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  host: z.enum(["127.0.0.1", "::1", "localhost"]).default("127.0.0.1"),
  port: z.number().int().min(0).max(65535).default(0),
  /** Each register's SQLite page cache in KiB (default FLEET_DB_CACHE_KIB). */
  dbCacheKiB: z.number().int().min(64).optional(),
});
export type FleetFile = z.infer<typeof FleetFileSchema>;

export interface LoadedFleet {
  fleet: FleetFile;
  agents: AgentConfig[];
  /** TENDERLINE_* variables set in the environment, which a fleet does not apply (names only). */
  ignoredEnv: string[];
}

/**
 * Reads FLEET.json and every agent config it lists (paths relative to FLEET.json). The agent's
 * TENDERLINE_* environment overrides are NOT applied: in one process they would give every register
 * the same id, data directory or credential; a fleet's registers are configured by their files only.
 */
export function loadFleet(file: string, env: NodeJS.ProcessEnv = process.env): LoadedFleet {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError(`cannot read fleet file ${file}: ${(error as Error).message}`);
  }
  const parsed = FleetFileSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`invalid fleet file ${file}: ${z.prettifyError(parsed.error)}`);
  const base = resolve(file, "..");
  const fleet = {
    ...parsed.data,
    ...(parsed.data.logFile ? { logFile: resolve(base, parsed.data.logFile) } : {}),
  };
  const ignoredEnv = Object.keys(env).filter((k) => k.startsWith("TENDERLINE_") && env[k] !== undefined && env[k] !== "");
  const agents = fleet.agents.map((p) => loadConfig(isAbsolute(p) ? p : resolve(base, p), {}));
  return { fleet, agents, ignoredEnv };
}

export const FLEET_USAGE = `usage: node --import tsx edge-agent/src/fleet/fleet-main.ts --config FLEET.json [--port N]
  --config FILE   { "agents": ["/abs/path/agent.json", …], "logFile"?, "logLevel"?, "port"?, "dbCacheKiB"? }
  --port N        overrides the file's port (0: a free one)
  -h, --help      print this and exit`;

export class FleetUsageError extends Error {
  constructor(reason: string) {
    super(`${reason}\n${FLEET_USAGE}`);
    this.name = "FleetUsageError";
  }
}

export type FleetArgs = { help: true } | { help: false; configFile: string; port?: number };

export function parseFleetArgs(argv: readonly string[]): FleetArgs {
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  let values: { config?: string; port?: string; help?: boolean };
  try {
    ({ values } = parseFlags({
      args,
      options: { config: { type: "string" }, port: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new FleetUsageError((error as Error).message);
  }
  if (values.help) return { help: true };
  if (!values.config) throw new FleetUsageError("--config FLEET.json is required");
  if (values.port === undefined) return { help: false, configFile: values.config };
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535)
    throw new FleetUsageError(`--port must be a port number 0–65535, got ${values.port}`);
  return { help: false, configFile: values.config, port };
}
