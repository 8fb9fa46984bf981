import { existsSync } from "node:fs";
import { join } from "node:path";

export class MissingConfigError extends Error {
  constructor(readonly path: string) {
    super(
      `no agent configuration at ${path}. Create it (storeId, registerId, dataDir, regions, storeToken; see the README's configuration section) or set TENDERLINE_AGENT_CONFIG to its path, then start Tenderline again.`,
    );
    this.name = "MissingConfigError";
  }
}

/** TENDERLINE_AGENT_CONFIG, else agent.json in the app's user-data directory. */
export function resolveConfigFile(userDataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const file = env.TENDERLINE_AGENT_CONFIG || join(userDataDir, "agent.json");
  if (!existsSync(file)) throw new MissingConfigError(file);
  return file;
}
