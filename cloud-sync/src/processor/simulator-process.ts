import { fileURLToPath } from "node:url";
import { type ListeningProcess, spawnListening } from "../server/listening-process.ts";

const MAIN = fileURLToPath(new URL("./simulator-main.ts", import.meta.url));

export type SimulatorProcess = ListeningProcess;

export interface StartSimulatorOptions {
  autoApprove?: boolean;
  dataFile?: string;
  /** Default 0: any free port. */
  port?: number;
}

/**
 * Starts the simulator as a real child process (for tests, the demo and the drill) and resolves
 * once it prints its `{"listening": port}` line. Rejects with its stderr if it exits first.
 */
export function startSimulatorProcess(options: StartSimulatorOptions = {}): Promise<SimulatorProcess> {
  const args = ["--port", String(options.port ?? 0)];
  if (options.autoApprove) args.push("--auto-approve");
  if (options.dataFile) args.push("--data", options.dataFile);
  return spawnListening({ name: "the processor simulator", script: MAIN, args, stopGraceMs: 3000 });
}
