import { parseArgs as parseFlags } from "node:util";

export interface CliArgs {
  /** "help": print AGENT_USAGE and exit 0 (`--help`, `-h`, `help`). */
  command: "start" | "reset" | "hash-pin" | "help";
  configFile: string;
  replaceUnsynced: boolean;
  discardUnsynced: boolean;
  /** Re-read the config when the file changes (else on SIGHUP only). */
  watchConfig: boolean;
}

/** The environment variables the agent reads (they override the config file's fields; see config.ts ENV_OVERRIDES). */
export const AGENT_ENV = [
  ["TENDERLINE_STORE_ID", "storeId"],
  ["TENDERLINE_REGISTER_ID", "registerId"],
  ["TENDERLINE_DATA_DIR", "dataDir"],
  ["TENDERLINE_PORT", "port"],
  ["TENDERLINE_STORE_TOKEN", "storeToken"],
  ["TENDERLINE_REGIONS", "regions (JSON)"],
  ["TENDERLINE_LOG_FILE", "logFile"],
  ["TENDERLINE_LOG_LEVEL", "logLevel"],
  ["TENDERLINE_REPLACE_UNSYNCED", "replaceUnsynced (1 or true)"],
] as const;

const OPTIONS = {
  config: { type: "string" },
  "replace-unsynced": { type: "boolean" },
  "discard-unsynced": { type: "boolean" },
  "no-watch-config": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export const AGENT_USAGE = `usage: tenderline-agent [start|reset] --config FILE [--replace-unsynced] [--discard-unsynced] [--no-watch-config]
       tenderline-agent hash-pin   (reads a manager's PIN from standard input, prints its pinHash)
       tenderline-agent --help | -h
commands:
  start                 (the default) serve the register API and the screens
  reset                 archive the outbox and empty the data directory
  hash-pin              read a PIN on standard input, print the pinHash for the config's managers
flags:
  --config FILE         the agent's JSON config file (required by start and reset)
  --replace-unsynced    start on another register's data dir holding unsynced events (archived, never deleted)
  --discard-unsynced    reset even when the outbox holds events not yet synced
  --no-watch-config     re-read the config on SIGHUP only (default: also when the file changes)
  -h, --help            print this and exit
environment (overrides the config file's field):
${AGENT_ENV.map(([name, field]) => `  ${name.padEnd(29)} ${field}`).join("\n")}`;

export class UsageError extends Error {
  /** The one-line reason, without the usage. */
  readonly reason: string;
  constructor(reason: string) {
    super(`${reason}\n${AGENT_USAGE}`);
    this.name = "UsageError";
    this.reason = reason;
  }
}

const COMMANDS = new Set<string>(["start", "reset", "hash-pin", "help"]);

export function parseArgs(argv: readonly string[]): CliArgs {
  // `npm start -- --config x` and `pnpm … -- …` pass the `--` on: a leading one is ignored.
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  let parsed: { values: { [K in keyof typeof OPTIONS]?: K extends "config" ? string : boolean }; positionals: string[] };
  try {
    parsed = parseFlags({ args, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    // node:util goes on to explain `--` terminators, which is no help here.
    throw new UsageError((error as Error).message.replace(/\. (To specify a positional|This command does not take).*$/s, ""));
  }
  const { values, positionals } = parsed;
  const unknown = positionals.find((p) => !COMMANDS.has(p));
  if (unknown !== undefined) throw new UsageError(`unknown argument ${unknown}`);
  if (positionals.length > 1) throw new UsageError(`one command at a time, got ${positionals.join(" ")}`);
  const command = (values.help ? "help" : (positionals[0] ?? "start")) as CliArgs["command"];
  const configFile = values.config;
  const flags = {
    replaceUnsynced: values["replace-unsynced"] ?? false,
    discardUnsynced: values["discard-unsynced"] ?? false,
    watchConfig: !values["no-watch-config"],
  };
  if (command === "help") return { command, configFile: configFile ?? "", ...flags };
  if (command === "hash-pin") {
    // A PIN on the command line would be in `ps` and the shell's history: it comes on stdin only.
    if (configFile) throw new UsageError("hash-pin takes no --config; it reads the PIN from standard input");
    return { command, configFile: "", ...flags };
  }
  if (!configFile) throw new UsageError("--config FILE is required");
  return { command, configFile, ...flags };
}
