/** `pnpm bench` and `pnpm start` arguments: parsed here (the scripts only wire them), so tests can read them. */
import { parseArgs } from "node:util";

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

export const START_USAGE = `usage: pnpm start
  runs the whole chain on this machine: regions A and B, the processor simulator, one register's agent
  -h, --help                  print this and exit
environment:
  TENDERLINE_DATA_DIR         where its data goes (default ./.tenderline)
  DATABASE_URL_A, DATABASE_URL_B   regions on PostgreSQL (default PGlite)
  TENDERLINE_DEMO_STORE       the demo store (default store-001)
  TENDERLINE_DEMO_REGISTER    the demo register (default reg-01)
  TENDERLINE_PORT_A, TENDERLINE_PORT_B, TENDERLINE_PORT_PROCESSOR, TENDERLINE_PORT_AGENT
                              ports (default 7431, 7432, 7440, 7420)
  TENDERLINE_LOG_LEVEL        the services' log level (default warn)`;

/** `pnpm start` takes no flags but --help; a leading `--` is ignored. */
export function parseStartArgs(argv: readonly string[]): { help: boolean } {
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  try {
    const { values } = parseArgs({
      args,
      options: { help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    });
    return { help: values.help ?? false };
  } catch (error) {
    throw new ScriptArgsError(nodeReason(error), START_USAGE);
  }
}
