/**
 * What the Electron main process runs, as plain Node code (no Electron import), so tests run it
 * without Electron: load the config, start the agent core and its sync engine, serve the API and
 * the screens on loopback, and stop gracefully, letting an in-flight sync batch finish.
 */
import { type Agent, type AgentConfig, createAgent, loadConfig } from "../src/index.ts";

/** The sync engine as the shell drives it: started on the agent, stopped after its current batch. */
export interface SyncHandle {
  /** Resolves once the batch in flight (if any) is answered and no new one will start. */
  stop(): Promise<void>;
}

export type StartSync = (agent: Agent) => Promise<SyncHandle | undefined> | SyncHandle | undefined;

export interface RuntimeOptions {
  configFile: string;
  env?: NodeJS.ProcessEnv;
  /** Starts the sync engine; without it the register records locally only. */
  startSync?: StartSync;
  /** How long shutdown waits for an in-flight batch before closing anyway (the batch is resent next start). */
  drainTimeoutMs?: number;
  /** Overrides for this process (e.g. port 0 in tests). */
  override?: Partial<AgentConfig>;
}

export interface AgentRuntime {
  agent: Agent;
  url: string;
  /** Graceful: stops sync after its current batch, then the server and the database. Idempotent. */
  stop(): Promise<void>;
}

export class ShutdownTimeoutError extends Error {
  constructor(readonly waitedMs: number) {
    super(
      `the sync engine did not finish its batch within ${waitedMs} ms; closing anyway (unacked events are resent on the next start)`,
    );
    this.name = "ShutdownTimeoutError";
  }
}

function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ShutdownTimeoutError(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function startAgentRuntime(options: RuntimeOptions): Promise<AgentRuntime> {
  const config = { ...loadConfig(options.configFile, options.env ?? process.env), ...options.override };
  const agent = createAgent(config);
  let sync: SyncHandle | undefined;
  try {
    sync = options.startSync ? await options.startSync(agent) : undefined;
    const { url } = await agent.listen();
    agent.logger.info({ url, sync: Boolean(sync) }, "agent runtime started");
    let stopping: Promise<void> | undefined;
    return {
      agent,
      url,
      stop() {
        stopping ??= (async () => {
          if (sync) {
            try {
              await within(sync.stop(), options.drainTimeoutMs ?? 10_000);
            } catch (error) {
              agent.logger.warn({ err: error }, "sync engine stop");
            }
          }
          await agent.close();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await sync?.stop();
    await agent.close();
    throw error;
  }
}
