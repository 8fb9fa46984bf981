import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

/** One of our services running as a child process, once it said where it listens. */
export interface ListeningProcess {
  port: number;
  url: string;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL if it has not exited within the grace period; resolves once it is gone. */
  stop(): Promise<void>;
  /** The tail of its stderr (its logs), for failure messages. */
  stderr(): string;
}

export interface SpawnListeningOptions {
  /** Names the process in errors, e.g. "region A". */
  name: string;
  /** The entry script, run as `node --import tsx <script> <args…>`. */
  script: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  stopGraceMs: number;
}

/** How much of stderr is kept: enough to explain a failed start. */
const STDERR_TAIL = 8000;

/**
 * Starts one of the cloud's services (a region, the processor simulator) as a real child process
 * and resolves once it prints its `{"listening": port}` line on stdout. Rejects, with the tail of
 * its stderr, if it exits first.
 */
export function spawnListening(options: SpawnListeningOptions): Promise<ListeningProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", options.script, ...options.args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: options.env ?? process.env,
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), options.stopGraceMs);
    await exited;
    clearTimeout(killer);
  };
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const onExit = (code: number | null, signal: string | null) =>
      reject(new Error(`${options.name} exited before listening (code ${code}, signal ${signal}): ${stderr.trim()}`));
    child.once("exit", onExit);
    child.once("error", reject);
    lines.on("line", (line) => {
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch (error) {
        // Only the listening line is ours to read; anything else on stdout is reported, not parsed.
        process.stderr.write(`${options.name} stdout (${(error as Error).message}): ${line}\n`);
        return;
      }
      if (typeof msg === "object" && msg !== null && "listening" in msg && typeof msg.listening === "number") {
        child.off("exit", onExit);
        lines.close();
        // Keep draining stdout so a chatty child can never block on a full pipe.
        child.stdout?.resume();
        resolve({ port: msg.listening, url: `http://127.0.0.1:${msg.listening}`, child, stop, stderr: () => stderr });
      }
    });
  });
}
