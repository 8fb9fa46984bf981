/**
 * What the Electron main process runs, as plain Node code (no Electron import), so tests run it
 * without Electron: load the config, start the agent core (which starts its sync engine in a
 * worker thread when regions are configured), serve the API and the screens on loopback, and stop
 * gracefully, letting an in-flight sync batch finish before the outbox closes.
 */
import { watchConfig } from "../src/config/config-reload.ts";
import { type Agent, type AgentConfig, createAgent, loadConfig } from "../src/index.ts";

export interface RuntimeOptions {
  configFile: string;
  env?: NodeJS.ProcessEnv;
  /** How long shutdown waits for the sync engine's batch in flight before giving up (it is resent on the next start). */
  drainTimeoutMs?: number;
  /** Overrides for this process (e.g. port 0 in tests). */
  override?: Partial<AgentConfig>;
}

export interface AgentRuntime {
  agent: Agent;
  url: string;
  /**
   * Graceful and idempotent: the HTTP server stops, the sync engine finishes the batch it is
   * sending (agent.close waits for it), then the database closes. Resolves "timeout" when that
   * took longer than drainTimeoutMs; the process may then exit, as SQLite's WAL keeps every
   * committed event and unacked ones are sent again on the next start.
   */
  stop(): Promise<"stopped" | "timeout">;
}

export async function startAgentRuntime(options: RuntimeOptions): Promise<AgentRuntime> {
  const env = options.env ?? process.env;
  const loaded = loadConfig(options.configFile, env);
  const config = { ...loaded, ...options.override };
  const agent = createAgent(config);
  // A new credential in the config file is taken live (on SIGHUP and when the file changes).
  const configWatch = watchConfig({
    file: options.configFile,
    running: loaded,
    env,
    setCredential: (token) => agent.setCredential(token),
    logger: agent.logger.child({ component: "config" }),
  });
  let url: string;
  try {
    ({ url } = await agent.listen());
  } catch (error) {
    configWatch.close();
    await agent.close();
    throw error;
  }
  agent.logger.info({ url, sync: Boolean(agent.sync) }, "agent runtime started");
  let stopping: Promise<"stopped" | "timeout"> | undefined;
  return {
    agent,
    url,
    stop() {
      configWatch.close();
      stopping ??= new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          agent.logger.warn(
            { waitedMs: options.drainTimeoutMs ?? 15_000 },
            "sync batch still in flight at shutdown; closing anyway",
          );
          resolve("timeout");
        }, options.drainTimeoutMs ?? 15_000);
        agent.close().then(
          () => {
            clearTimeout(timer);
            resolve("stopped");
          },
          (error: unknown) => {
            clearTimeout(timer);
            reject(error);
          },
        );
      });
      return stopping;
    },
  };
}
