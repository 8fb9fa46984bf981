/** `pnpm bench` and `pnpm start` arguments: parsed here (the scripts only wire them), so tests can read them. */
import { parseArgs } from "node:util";
import { z } from "zod";

/** Why a command line was refused: `reason` is one line; the message adds the usage. */
export class ScriptArgsError extends Error {
  readonly reason: string;
  constructor(reason: string, usage: string) {
    super(`${reason}\n${usage}`);
    this.name = "ScriptArgsError";
    this.reason = reason;
  }
}

const nodeReason = (error: unknown) =>
  (error as Error).message.replace(/\. (To specify a positional|This command does not take).*$/s, "");

export const benchUsage = (packages: readonly string[]) => `usage: pnpm bench [PACKAGE …]
  runs each package's benchmark in turn (all of them by default) and writes bench-results/results.json
  PACKAGE       one of: ${packages.join(", ")}
  -h, --help    print this and exit
  (no environment variables are read; each package's bench gets BENCH_OUT, the file for its figures)`;

export type BenchArgs = { help: true } | { help: false; packages: string[] };

/** The packages to bench (all, in their order, when none is named); a leading `--` is ignored. */
export function parseBenchArgs(argv: readonly string[], packages: readonly string[]): BenchArgs {
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  let parsed: { values: { help?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: { help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new ScriptArgsError(nodeReason(error), benchUsage(packages));
  }
  if (parsed.values.help) return { help: true };
  const unknown = parsed.positionals.filter((p) => !packages.includes(p));
  if (unknown.length > 0) {
    throw new ScriptArgsError(`no benchmark for ${unknown.join(", ")}; packages: ${packages.join(", ")}`, benchUsage(packages));
  }
  const only = parsed.positionals;
  return { help: false, packages: only.length > 0 ? packages.filter((p) => only.includes(p)) : [...packages] };
}

export const START_USAGE = `usage: pnpm start [--instances N]
  runs the whole chain on this machine: regions A and B, the processor simulator, one register's agent
  --instances N               each region as N instances behind an HAProxy load balancer on the
                              region's port (default 1: one process, no balancer); needs both
                              regions on PostgreSQL (DATABASE_URL_A, DATABASE_URL_B) and haproxy
  -h, --help                  print this and exit
environment:
  TENDERLINE_DATA_DIR         where its data goes (default ./.tenderline)
  DATABASE_URL_A, DATABASE_URL_B   regions on PostgreSQL (default PGlite)
  TENDERLINE_DEMO_STORE       the demo store (default store-001)
  TENDERLINE_DEMO_REGISTER    the demo register (default reg-01)
  TENDERLINE_PORT_A, TENDERLINE_PORT_B, TENDERLINE_PORT_PROCESSOR, TENDERLINE_PORT_AGENT
                              ports (default 7431, 7432, 7440, 7420)
  TENDERLINE_LOG_LEVEL        the services' log level (default warn)`;

export interface StartArgs {
  help: boolean;
  /** Instances per region (1: one process per region, no balancer). */
  instances: number;
}

const InstancesArgSchema = z.coerce.number().int().min(1).max(16);

/** `pnpm start [--instances N]` or --help; a leading `--` is ignored. */
export function parseStartArgs(argv: readonly string[]): StartArgs {
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  let values: { help?: boolean; instances?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: { help: { type: "boolean", short: "h" }, instances: { type: "string" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ScriptArgsError(nodeReason(error), START_USAGE);
  }
  const instances = InstancesArgSchema.safeParse(values.instances ?? "1");
  if (!instances.success) {
    throw new ScriptArgsError(`--instances must be a whole number from 1 to 16, not ${values.instances}`, START_USAGE);
  }
  return { help: values.help ?? false, instances: instances.data };
}

/**
 * Several instances of a region share its one database, so both regions must be on PostgreSQL
 * (PGlite is one process's files): refused here, before anything starts.
 */
export function checkStartEnvironment(args: StartArgs, env: Readonly<Record<string, string | undefined>>): void {
  if (args.instances === 1) return;
  const missing = ["DATABASE_URL_A", "DATABASE_URL_B"].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new ScriptArgsError(
      `--instances ${args.instances} needs both regions on PostgreSQL: set ${missing.join(" and ")} (the instances of a region share its database; PGlite cannot be shared)`,
      START_USAGE,
    );
  }
}
