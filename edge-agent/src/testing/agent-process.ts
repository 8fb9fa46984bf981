import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));

export interface AgentProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** Everything the process wrote to stderr (start-up failures land here). */
  stderr: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function writeConfig(dir: string, config: Record<string, unknown>): string {
  const file = join(dir, "agent.json");
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** Starts the real agent entry (`src/main.ts`) as a child process and waits until it listens. */
export async function startAgentProcess(configFile: string, extraArgs: string[] = []): Promise<AgentProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "--config", configFile, ...extraArgs], {
    cwd: PACKAGE_DIR,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = once(child, "exit");
  const listening = new Promise<{ port: number; url: string }>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    rl.on("line", (text) => {
      if (!text.startsWith('{"listening"')) return;
      const msg = JSON.parse(text) as { listening: string; port: number };
      resolve({ port: msg.port, url: msg.listening });
    });
    exited.then(([code]) => reject(new Error(`agent exited with ${code} before listening: ${err}`)));
  });
  const { port, url } = await listening;
  return {
    child,
    port,
    url,
    stderr: () => err,
    async kill(signal = "SIGKILL") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
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
