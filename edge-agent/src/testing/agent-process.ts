import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ServiceProcess } from "@tenderline/shared/process";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));

export interface AgentProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** The tail of what the process wrote to stderr. */
  stderr: () => string;
  /** Sends `signal` (default SIGKILL) and resolves once it is gone (SIGKILL after 30 s). */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function writeConfig(dir: string, config: Record<string, unknown>): string {
  const file = join(dir, "agent.json");
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/**
 * Starts the real agent entry (`src/main.ts`) as a child process and waits until it listens.
 * Rejects with a ServiceStartError (its output's tail) if it exits first.
 */
export async function startAgentProcess(configFile: string, extraArgs: string[] = []): Promise<AgentProcess> {
  const proc = await ServiceProcess.start({
    name: "agent",
    script: MAIN,
    args: ["--config", configFile, ...extraArgs],
    cwd: PACKAGE_DIR,
    startTimeoutMs: 60_000,
    stopGraceMs: 30_000,
  });
  return {
    child: proc.child as ChildProcess,
    port: proc.port,
    url: proc.url,
    stderr: () => proc.output("stderr"),
    kill: (signal = "SIGKILL") => proc.stop(signal),
  };
}

/** Runs the agent entry to completion (for start-up refusals and the reset command). */
export async function runAgentCommand(
  args: string[],
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: PACKAGE_DIR,
    stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  if (input !== undefined) child.stdin?.end(input);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}
