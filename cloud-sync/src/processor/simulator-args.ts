import { parseArgs } from "node:util";

export const DEFAULT_SIMULATOR_PORT = 7440;

export interface SimulatorArgs {
  port: number;
  host: string;
  autoApprove: boolean;
  /** JSON file the settlement records are loaded from and written through to. */
  dataFile?: string;
  /** `--help` / `-h`: print SIMULATOR_USAGE and exit 0. */
  help?: true;
}

/** `--help`: every flag. The simulator reads no environment variables. */
export const SIMULATOR_USAGE = `usage: simulator-main.ts [--port N] [--host H] [--auto-approve] [--data FILE]
  --port N          port to listen on (default ${DEFAULT_SIMULATOR_PORT}; 0 = any free port)
  --host H          address to bind (default 127.0.0.1)
  --auto-approve    an unknown terminalTxnId is approved for the expected amount, and that record kept (default off)
  --data FILE       JSON file the settlement records are loaded from and written through to (default: memory only)
  -h, --help        print this and exit
  (no environment variables are read)`;

export class SimulatorArgsError extends Error {
  readonly code = "invalid_arguments";
  /** The one-line reason, without the usage. */
  readonly reason: string;
  constructor(reason: string) {
    super(`${reason}\n${SIMULATOR_USAGE}`);
    this.name = "SimulatorArgsError";
    this.reason = reason;
  }
}

/** The flags; `help: true` for `--help` / `-h` (print SIMULATOR_USAGE). A leading `--` (the npm habit) is ignored. */
export function parseSimulatorArgs(argv: readonly string[]): SimulatorArgs {
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  let values: { port?: string; host?: string; "auto-approve"?: boolean; data?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "auto-approve": { type: "boolean" },
        data: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    throw new SimulatorArgsError(
      (err as Error).message.replace(/\. (To specify a positional|This command does not take).*$/s, ""),
    );
  }
  const portText = values.port ?? String(DEFAULT_SIMULATOR_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    throw new SimulatorArgsError(`--port must be an integer 0..65535, got "${portText}"`);
  const host = values.host ?? "127.0.0.1";
  if (host.length === 0) throw new SimulatorArgsError("--host must not be empty");
  return {
    port,
    host,
    autoApprove: values["auto-approve"] ?? false,
    ...(values.data !== undefined ? { dataFile: values.data } : {}),
    ...(values.help ? { help: true as const } : {}),
  };
}
