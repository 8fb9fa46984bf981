import { Writable } from "node:stream";
import type { Hono } from "hono";
import { createApp } from "../api/app.ts";
import type { AuthEnv } from "../api/auth.ts";
import { seedTokens } from "../auth/tokens.ts";
import { createLogger } from "../logging/logger.ts";
import { createMetrics } from "../metrics/metrics.ts";
import type { Database } from "../storage/database.ts";

export const TOKENS = {
  s1: "tl_store_s1_test_0000000000000001",
  s2: "tl_store_s2_test_0000000000000002",
  consumer: "tl_consumer_test_00000000000003",
  admin: "tl_admin_test_0000000000000004",
  /** Register r-own of store s1: writes that register only. */
  register: "tl_register_s1_r_own_test_00000005",
} as const;

export async function seedTestTokens(db: Database): Promise<void> {
  await seedTokens(db, [
    { token: TOKENS.s1, kind: "store", storeId: "s1" },
    { token: TOKENS.s2, kind: "store", storeId: "s2" },
    { token: TOKENS.consumer, kind: "consumer" },
    { token: TOKENS.admin, kind: "admin" },
    { token: TOKENS.register, kind: "register", storeId: "s1", registerId: "r-own" },
  ]);
}

export interface TestApp {
  app: Hono<AuthEnv>;
  /** Every log line the app wrote. */
  logs: string[];
  post(body: unknown, token?: string): Promise<Response>;
  get(path: string, token?: string): Promise<Response>;
}

/** The real region app over `db`, driven through app.request(), with its logs captured. */
export function testApp(db: Database, options: { region?: string; bodyLimitBytes?: number } = {}): TestApp {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const region = options.region ?? "A";
  const app = createApp({
    region,
    db,
    metrics: createMetrics(region),
    logger: createLogger(region, "debug", sink),
    bodyLimitBytes: options.bodyLimitBytes ?? 5 * 1024 * 1024,
  });
  const auth = (token?: string): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});
  return {
    app,
    logs,
    post: async (body, token = TOKENS.s1) =>
      app.request("/v1/events/batch", {
        method: "POST",
        headers: { "content-type": "application/json", ...auth(token) },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
    get: async (path, token) => app.request(path, { headers: auth(token) }),
  };
}
