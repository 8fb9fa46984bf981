import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("./simulator-main.ts", import.meta.url));

export interface SimulatorProcess {
  port: number;
  url: string;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL if it has not exited within 3 s; resolves once it is gone. */
  stop(): Promise<void>;
}

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
  const args = ["--import", "tsx", MAIN, "--port", String(options.port ?? 0)];
  if (options.autoApprove) args.push("--auto-approve");
  if (options.dataFile) args.push("--data", options.dataFile);
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    // Keep only the tail: enough to explain a failed start.
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(killer);
  };

  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const onExit = (code: number | null, signal: string | null) =>
      reject(new Error(`the processor simulator exited before listening (code ${code}, signal ${signal}): ${stderr.trim()}`));
    child.once("exit", onExit);
    child.once("error", reject);
    lines.on("line", (line) => {
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch (err) {
        // Only the listening line is ours to read; anything else on stdout is reported, not parsed.
        process.stderr.write(`processor simulator stdout (${(err as Error).message}): ${line}\n`);
        return;
      }
      if (typeof msg === "object" && msg !== null && "listening" in msg && typeof msg.listening === "number") {
        child.off("exit", onExit);
        lines.close();
        // Keep draining stdout so a chatty child can never block on a full pipe.
        child.stdout?.resume();
        resolve({ port: msg.listening, url: `http://127.0.0.1:${msg.listening}`, child, stop });
      }
    });
  });
}
