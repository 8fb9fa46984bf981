import { parseArgs } from "node:util";

export const DEFAULT_SIMULATOR_PORT = 7440;

export interface SimulatorArgs {
  port: number;
  host: string;
  autoApprove: boolean;
  /** JSON file the settlement records are loaded from and written through to. */
  dataFile?: string;
}

export class SimulatorArgsError extends Error {
  readonly code = "invalid_arguments";
  constructor(message: string) {
    super(
      `${message}\nusage: simulator-main.ts [--port N (default ${DEFAULT_SIMULATOR_PORT}, 0 = any free port)] [--host H] [--auto-approve] [--data FILE]`,
    );
    this.name = "SimulatorArgsError";
  }
}

export function parseSimulatorArgs(argv: readonly string[]): SimulatorArgs {
  let values: { port?: string; host?: string; "auto-approve"?: boolean; data?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "auto-approve": { type: "boolean" },
        data: { type: "string" },
      },
    }));
  } catch (err) {
    throw new SimulatorArgsError((err as Error).message);
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
  };
}
