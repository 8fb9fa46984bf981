import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ErrorBody, ErrorBodySchema, type SyncStatus } from "@tenderline/shared";
import pino from "pino";
import { z } from "zod";
import { type Agent, type AgentOptions, createAgent } from "../agent.ts";
import { type AgentConfigInput, parseConfig } from "../config/config.ts";

/** A throwaway data directory per test; removed by the returned cleanup. */
export function tempDir(prefix = "tl-agent-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The test register's managers. Their hashes use a low scrypt cost (made once with
 * hashPin(pin, { N: 1024, r: 8, p: 1 })) so tests stay quick; verification is the real one.
 */
export const MANAGERS = {
  dana: {
    id: "m-1",
    name: "Dana",
    pin: "246810",
    pinHash: "scrypt:1024:8:1:xvqiT_BYDsWtZwX1FTsWYg:13ZYXNJxjNQkpFhaKDW802_qOYbECPqg-a7dA2yluTg",
  },
  sam: {
    id: "m-2",
    name: "Sam",
    pin: "135791",
    pinHash: "scrypt:1024:8:1:ngp8aanZ_QzclIyDnjzP_A:K_1942V_EPdwgKxqoSbE6Ow4EqARUVhau1LgQ77Z5oQ",
  },
} as const;

export function testConfig(dataDir: string, overrides: Partial<AgentConfigInput> = {}) {
  return parseConfig({
    storeId: "store-1",
    registerId: "reg-1",
    dataDir,
    port: 0,
    managers: Object.values(MANAGERS).map(({ id, name, pinHash }) => ({ id, name, pinHash })),
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

/** What a request answered: its status, headers and the raw JSON body, read through a schema. */
export interface ApiResponse {
  status: number;
  headers: Headers;
  /** The body as sent: read it with `parse` or `error`, or compare it whole. */
  body: unknown;
  /** The body through `schema`; fails the test, naming the request, the status and the body, when it does not fit. */
  parse<S extends z.ZodType>(schema: S): z.output<S>;
  /** The body as the agent's error body. */
  error(): ErrorBody;
}

export async function post(
  app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> },
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  const res = await app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const json: unknown = await res.json();
  const parse = <S extends z.ZodType>(schema: S): z.output<S> => {
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new Error(
        `POST ${path} answered ${res.status} with a body that does not fit: ${z.prettifyError(parsed.error)}\n${JSON.stringify(json)}`,
      );
    }
    return parsed.data;
  };
  return { status: res.status, headers: res.headers, body: json, parse, error: () => parse(ErrorBodySchema) };
}

/** An allocation (of a parsed return or exchange) as [tenderType, amount] pairs, for compact assertions. */
export function allocationPairs(recorded: {
  allocation: ReadonlyArray<{ tenderType: string; amount: { amount: number } }>;
}): Array<[string, number]> {
  return recorded.allocation.map((a) => [a.tenderType, a.amount.amount]);
}

/** The sync engine's status of an agent that has one (fails the test if it has none). */
export async function syncStatusOf(agent: Pick<Agent, "sync">): Promise<SyncStatus> {
  if (!agent.sync) throw new Error("this agent runs no sync engine (no regions configured)");
  const status = await agent.sync.status();
  if (status.state === "engine stopped") throw new Error(`the sync engine stopped: ${status.error}`);
  return status;
}

/** Signs a manager in on an agent's app and gives the Cookie header that carries the session. */
export async function managerCookie(
  app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> },
  manager: { id: string; pin: string } = MANAGERS.dana,
): Promise<string> {
  const res = await app.request("/api/v1/manager/session", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ managerId: manager.id, pin: manager.pin }),
  });
  if (res.status !== 201) throw new Error(`manager sign-in answered ${res.status}: ${await res.text()}`);
  const cookie = res.headers.get("set-cookie");
  if (!cookie) throw new Error("manager sign-in set no cookie");
  return cookie.split(";")[0] as string;
}

/** An agent process (or any agent) reached over HTTP, in the shape managerCookie and post take. */
export function over(url: string) {
  return { request: (path: string, init?: RequestInit) => fetch(`${url}${path}`, init) };
}

/** A state-changing request as the screens send it: JSON, with the manager's cookie when given. */
export function control(
  app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> },
  path: string,
  cookie?: string,
) {
  return app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: "{}",
  });
}

/** Signs the manager of this cookie out, as the screens do. */
export function managerSignOut(
  app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> },
  cookie: string,
) {
  return app.request("/api/v1/manager/session", {
    method: "DELETE",
    headers: { "content-type": "application/json", cookie },
    body: "{}",
  });
}
