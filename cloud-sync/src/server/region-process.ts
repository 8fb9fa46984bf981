import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { BootstrapToken } from "../auth/tokens.ts";
import type { Peer } from "../config/config.ts";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

export interface RegionProcessOptions {
  region: string;
  /** Default 0: any free port. */
  port?: number;
  /** PGlite data directory (default `memory://`); ignored when databaseUrl is set. */
  dataDir?: string;
  databaseUrl?: string;
  bootstrapTokens?: BootstrapToken[];
  peers?: Peer[];
  processorUrl?: string;
  /** Any further flags, e.g. ["--replication-interval-ms", "200"]. */
  extraArgs?: string[];
  env?: NodeJS.ProcessEnv;
}

export interface RegionProcess {
  region: string;
  port: number;
  url: string;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s; resolves once it is gone. */
  stop(): Promise<void>;
  /** The tail of its stderr (logs), for failure messages. */
  stderr(): string;
}

/**
 * Starts a region as a real child process (`node --import tsx src/main.ts …`) and resolves once it
 * prints its `{"listening": port}` line. Rejects with its stderr if it exits first.
 */
export function startRegionProcess(options: RegionProcessOptions): Promise<RegionProcess> {
  const args = ["--import", "tsx", MAIN, "--region", options.region, "--port", String(options.port ?? 0)];
  if (options.databaseUrl) args.push("--database-url", options.databaseUrl);
  else args.push("--data-dir", options.dataDir ?? "memory://");
  if (options.bootstrapTokens) args.push("--bootstrap-tokens", JSON.stringify(options.bootstrapTokens));
  if (options.peers) args.push("--peers", JSON.stringify(options.peers));
  if (options.processorUrl) args.push("--processor-url", options.processorUrl);
  args.push(...(options.extraArgs ?? []));
  const env = { ...process.env, ...options.env };
  // The child's configuration comes from these flags, not from whatever the parent's environment holds.
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-8000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(killer);
  };
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const onExit = (code: number | null, signal: string | null) =>
      reject(new Error(`region ${options.region} exited before listening (code ${code}, signal ${signal}): ${stderr.trim()}`));
    child.once("exit", onExit);
    child.once("error", reject);
    lines.on("line", (line) => {
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch (error) {
        process.stderr.write(`region ${options.region} stdout (${(error as Error).message}): ${line}\n`);
        return;
      }
      if (typeof msg === "object" && msg !== null && "listening" in msg && typeof msg.listening === "number") {
        child.off("exit", onExit);
        lines.close();
        child.stdout?.resume();
        resolve({
          region: options.region,
          port: msg.listening,
          url: `http://127.0.0.1:${msg.listening}`,
          child,
          stop,
          stderr: () => stderr,
        });
      }
    });
  });
}
