import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Chain, type ServiceProcess } from "../chain/index.ts";

export const STORE = "store-e2e";
export const REGISTER = "reg-01";

/** Sync settings that make failover and recovery quick enough to watch in a test. */
export const FAST_SYNC = {
  probeIntervalMs: 250,
  healthyProbeIntervalMs: 1000,
  probeMaxIntervalMs: 1000,
  probeTimeoutMs: 500,
  requestTimeoutMs: 2000,
  breakerFailures: 2,
  breakerCooldownMs: 500,
  failbackAfterMs: 1000,
  retryBaseMs: 100,
  retryCapMs: 1000,
  idlePollMs: 500,
  idlePollMaxMs: 2000,
};

export interface Stack {
  chain: Chain;
  agent: ServiceProcess;
  agentUrl: string;
  stopRegions(): Promise<void>;
  startRegions(): Promise<void>;
  close(): Promise<void>;
}

/** Two regions, the processor simulator and one register's agent, as real processes on loopback. */
export async function startStack(
  name: string,
  options: { agentConfig?: Record<string, unknown>; logLevel?: string; onLine?: (service: string, line: string) => void } = {},
): Promise<Stack & { dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), `tl-e2e-${name}-`));
  const chain = new Chain({
    dataDir,
    stores: [{ storeId: STORE, registers: [REGISTER] }],
    agentConfig: { sync: FAST_SYNC, ...options.agentConfig },
    logLevel: options.logLevel ?? "warn",
    ...(options.onLine ? { onLine: options.onLine } : {}),
  });
  try {
    await chain.start();
  } catch (error) {
    await chain.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const agent = chain.agents.get(REGISTER) as ServiceProcess;
  return {
    chain,
    dataDir,
    agent,
    agentUrl: agent.url,
    async stopRegions() {
      await Promise.all([...chain.regions.values()].map((r) => r.stop()));
    },
    async startRegions() {
      await Promise.all([...chain.regions.keys()].map((n) => chain.startRegion(n)));
    },
    async close() {
      await chain.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
