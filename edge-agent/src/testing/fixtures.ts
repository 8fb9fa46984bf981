import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { type Agent, type AgentOptions, createAgent } from "../agent.ts";
import { type AgentConfigInput, parseConfig } from "../config/config.ts";
import type { SyncStatus } from "../sync/sync-status.ts";

/** A throwaway data directory per test; removed by the returned cleanup. */
export function tempDir(prefix = "tl-agent-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function testConfig(dataDir: string, overrides: Partial<AgentConfigInput> = {}) {
  return parseConfig({
    storeId: "store-1",
    registerId: "reg-1",
    dataDir,
    port: 0,
    overrideCodes: ["MGR-2468"],
    logLevel: "silent",
    backgroundCheckpoint: false,
    ...overrides,
  });
}

/** An agent on a fresh data directory with a silent logger; `done` closes it and removes the directory. */
export function testAgent(
  overrides: Partial<AgentConfigInput> = {},
  options: AgentOptions = {},
): Agent & { done: () => Promise<void> } {
  const { dir, cleanup } = tempDir();
  const agent = createAgent(testConfig(dir, overrides), { logger: pino({ level: "silent" }), ...options });
  return Object.assign(agent, {
    done: async () => {
      await agent.close();
      cleanup();
    },
  });
}

export const usd = (amount: number) => ({ amount, currency: "USD" });

export function line(sku: string, quantity: number, unitPrice: number, tax: number) {
  return { sku, description: sku, quantity, unitPrice: usd(unitPrice), tax: usd(tax) };
}

export function card(amount: number, options: { offline?: boolean; authCode?: string | null; last4?: string } = {}) {
  const authCode = options.authCode === undefined ? (options.offline === false ? "A1B2C3" : null) : options.authCode;
  return {
    type: "card" as const,
    amount: usd(amount),
    card: {
      token: `tok_${Math.random().toString(36).slice(2, 10)}`,
      last4: options.last4 ?? "4242",
      brand: "visa",
      entryMode: "chip" as const,
      terminalTxnId: `T-${Math.random().toString(36).slice(2, 10)}`,
      authCode,
      processorRef: authCode ? "PR-1" : null,
    },
    offline: options.offline ?? authCode === null,
  };
}

export function cash(amount: number, tendered?: number) {
  return { type: "cash" as const, amount: usd(amount), ...(tendered !== undefined ? { tendered: usd(tendered) } : {}) };
}

/** The brief's sample checkout: 3 lines, card + cash. Total 6,378. */
export function sampleSale() {
  return {
    cashierId: "c-17",
    lines: [line("TEE-M-BLK", 2, 1999, 330), line("MUG-01", 1, 899, 72), line("SOCK-3P", 1, 999, 80)],
    tenders: [card(3000, { authCode: "OK1234" }), cash(3378, 4000)],
  };
}

export async function post(
  app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> },
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const res = await app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as ApiBody, headers: res.headers };
}

/** Response bodies in tests: shapes are what the assertions check. */
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response fields and assert on them
export type ApiBody = Record<string, any>;

/** An allocation as [tenderType, amount] pairs, for compact assertions. */
export function allocationPairs(body: ApiBody): Array<[string, number]> {
  return (body.allocation as Array<{ tenderType: string; amount: { amount: number } }>).map((a) => [
    a.tenderType,
    a.amount.amount,
  ]);
}

/** The sync engine's status of an agent that has one (fails the test if it has none). */
export async function syncStatusOf(agent: Pick<Agent, "sync">): Promise<SyncStatus> {
  if (!agent.sync) throw new Error("this agent runs no sync engine (no regions configured)");
  return agent.sync.status();
}
