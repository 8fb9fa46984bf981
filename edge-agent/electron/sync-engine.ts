import type { Agent } from "../src/index.ts";
import type { SyncHandle } from "./runtime.ts";

/**
 * Starts the agent's sync engine for the desktop shell. Until the engine lands in the agent
 * (issue 5), the register records locally and the queue waits: nothing is lost, it syncs once the
 * engine runs.
 */
export async function startSyncEngine(agent: Agent): Promise<SyncHandle | undefined> {
  agent.logger.warn("this build has no sync engine: events stay in the outbox until one runs");
  return undefined;
}
