import { fileURLToPath } from "node:url";
import { ServiceProcess } from "@tenderline/shared/process";

const MAIN = fileURLToPath(new URL("./simulator-main.ts", import.meta.url));

export type SimulatorProcess = ServiceProcess;

export interface StartSimulatorOptions {
  autoApprove?: boolean;
  dataFile?: string;
  /** Default 0: any free port. */
  port?: number;
}

/**
 * Starts the simulator as a real child process (for tests, the demo and the drill) and resolves
 * once it prints its `{"listening": port}` line. Rejects with a ServiceStartError (its output's
 * tail) if it exits first. stop() sends SIGTERM and SIGKILLs after 3 s.
 */
export function startSimulatorProcess(options: StartSimulatorOptions = {}): Promise<SimulatorProcess> {
  const args = ["--port", String(options.port ?? 0)];
  if (options.autoApprove) args.push("--auto-approve");
  if (options.dataFile) args.push("--data", options.dataFile);
  return ServiceProcess.start({ name: "the processor simulator", script: MAIN, args, startTimeoutMs: 60_000, stopGraceMs: 3000 });
}
