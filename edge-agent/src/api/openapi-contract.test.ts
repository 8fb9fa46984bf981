import {
  AgentHealthSchema,
  agentOpenApi,
  DeadLetterRetriedSchema,
  ErrorBodySchema,
  ExchangeRecordedSchema,
  generateStoredValueKeys,
  ManagerSessionSchema,
  ManagerSignedOutSchema,
  QueueStatusSchema,
  ReceiptViewSchema,
  ReturnRecordedSchema,
  SaleRecordedSchema,
  SealedSchema,
  SyncNowSchema,
  SyncPausedSchema,
  type SyncStatus,
} from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { GroupCommit } from "../outbox/group-commit.ts";
import { cash, line, MANAGERS, managerCookie, sampleSale, testAgent } from "../testing/fixtures.ts";
import { createApp, type SyncControl } from "./app.ts";

interface Operation {
  responses: Record<string, unknown>;
}
type Document = { paths: Record<string, Record<string, Operation>> };

const SYNC: SyncStatus = {
  state: "idle",
  paused: false,
  credentialsRejected: false,
  credentialsRefusedBy: [],
  activeRegion: "A",
  offlineSince: null,
  lastAckAt: null,
  throughput: { eventsPerSec: 0, windowSeconds: 10 },
  regions: [
    {
      name: "A",
      url: "http://127.0.0.1:9",
      priority: 0,
      state: "healthy",
      healthy: true,
      breaker: "closed",
      probeOk: true,
      healthySince: "2026-01-01T00:00:00.000Z",
      lastError: null,
      lastErrorAt: null,
      latencyMs: 2,
      active: true,
    },
  ],
  alerts: [],
  batches: { sent: 0, failed: 0, resent: 0 },
  resendQueued: [],
};

/**
 * The agent's answers against the shared schemas its OpenAPI document is generated from: every
 * documented route is called on the agent's app, and each body must parse to itself (zod drops
 * keys it does not know, so an undocumented field fails too).
 */
describe("the agent's wire matches its OpenAPI document", () => {
  let agent: ReturnType<typeof testAgent>;
  let cookie: string;
  const doc = agentOpenApi() as Document;
  const called = new Set<string>();

  beforeAll(async () => {
    agent = testAgent({}, { startSync: false, syncStatus: async () => SYNC });
    cookie = await managerCookie(agent.app, MANAGERS.dana);
  });
  afterAll(async () => {
    await agent?.done();
  });

  /** Calls a documented route and checks its status is documented and its body is the schema, exactly. */
  async function call<T>(
    method: "GET" | "POST" | "DELETE",
    template: string,
    schema: z.ZodType<T>,
    o: { path?: string; body?: unknown; status?: number; cookie?: string; on?: ReturnType<typeof testAgent> } = {},
  ): Promise<T> {
    const operation = doc.paths[template]?.[method.toLowerCase()];
    expect(operation, `${method} ${template} is documented`).toBeDefined();
    const res = await (o.on ?? agent).app.request(o.path ?? template, {
      method,
      headers: {
        ...(o.cookie ? { cookie: o.cookie } : {}),
        ...(method !== "GET" ? { "content-type": "application/json" } : {}),
      },
      ...(method !== "GET" ? { body: JSON.stringify(o.body ?? {}) } : {}),
    });
    const body: unknown = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(o.status ?? 200);
    expect(Object.keys(operation?.responses ?? {})).toContain(String(res.status));
    const parsed = schema.safeParse(body);
    expect(parsed.error, `${method} ${template}: ${JSON.stringify(body)}`).toBeUndefined();
    expect(parsed.data).toEqual(body);
    called.add(`${method} ${template}`);
    return parsed.data as T;
  }

  it("serves its OpenAPI document through the request guard", async () => {
    const res = await agent.app.request("http://127.0.0.1/openapi.json");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(agentOpenApi())));
    const foreign = await agent.app.request("http://evil.example/openapi.json");
    expect(foreign.status).toBe(421);
    expect(ErrorBodySchema.parse(await foreign.json()).error).toBe("wrong_host");
    called.add("GET /openapi.json");
  });

  it("sales, receipts, returns and exchanges", async () => {
    const sale = await call("POST", "/api/v1/sales", SaleRecordedSchema, { body: sampleSale(), status: 201 });
    await call("GET", "/api/v1/transactions/{id}", ReceiptViewSchema, { path: `/api/v1/transactions/${sale.transactionId}` });
    await call("POST", "/api/v1/returns", ReturnRecordedSchema, {
      body: { cashierId: "c-17", items: [{ transactionId: sale.transactionId, sku: "MUG-01", quantity: 1 }], reason: "chipped" },
      status: 201,
    });
    await call("POST", "/api/v1/exchanges", ExchangeRecordedSchema, {
      body: {
        cashierId: "c-17",
        returnItems: [{ transactionId: sale.transactionId, sku: "SOCK-3P", quantity: 1 }],
        lines: [line("SOCK-5P", 1, 1500, 120)],
        tenders: [cash(541, 600)],
      },
      status: 201,
    });
    await call("GET", "/api/v1/transactions/{id}", ErrorBodySchema, { path: "/api/v1/transactions/nope", status: 404 });
    await call("POST", "/api/v1/sales", ErrorBodySchema.loose(), { body: { cashierId: "" }, status: 400 });
  });

  it("the queue, with the sync engine's status", async () => {
    const queue = await call("GET", "/api/v1/queue", QueueStatusSchema);
    expect(queue.sync).toEqual(SYNC);
    await call("GET", "/api/v1/health", AgentHealthSchema);
  });

  it("manager sessions, sync controls and the dead-letter retry", async () => {
    await call("GET", "/api/v1/manager/session", ManagerSessionSchema, { cookie });
    await call("GET", "/api/v1/manager/session", ErrorBodySchema, { status: 401 });
    // This agent runs no engine: the controls say so.
    await call("POST", "/api/v1/sync/pause", ErrorBodySchema, { cookie, status: 409 });
    await call("POST", "/api/v1/sync/now", ErrorBodySchema, { status: 401 });

    const seq = (await call("POST", "/api/v1/sales", SaleRecordedSchema, { body: sampleSale(), status: 201 })).seq;
    agent.outbox.markDead([{ seq, reason: "rejected: invalid" }]);
    await call("POST", "/screens/api/dead-letters/{seq}/retry", DeadLetterRetriedSchema, {
      path: `/screens/api/dead-letters/${seq}/retry`,
      cookie,
    });
    await call("POST", "/api/v1/manager/session", ManagerSessionSchema, {
      body: { managerId: MANAGERS.dana.id, pin: MANAGERS.dana.pin },
      status: 201,
    });
    await call("DELETE", "/api/v1/manager/session", ManagerSignedOutSchema, { cookie });
  });

  it("sync controls with an engine", async () => {
    const engine: SyncControl = { pause: async () => {}, resume: async () => {}, syncNow: async () => {} };
    // The agent's own pieces, with a stand-in engine behind the controls.
    const app = createApp({
      service: agent.service,
      commits: new GroupCommit(agent.outbox),
      ledger: agent.ledger,
      queue: agent.queue,
      logger: agent.logger,
      managers: agent.managers,
      guard: { allowedHosts: [], port: () => undefined },
      bodyLimitBytes: 1 << 20,
      syncStatus: async () => SYNC,
      syncControl: () => engine,
    });
    const signedIn = await managerCookie(app, MANAGERS.dana);
    const send = async <T>(template: string, schema: z.ZodType<T>) => {
      const res = await app.request(template, {
        method: "POST",
        headers: { "content-type": "application/json", cookie: signedIn },
        body: "{}",
      });
      const body: unknown = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(Object.keys(doc.paths[template]?.post?.responses ?? {})).toContain("200");
      expect(schema.parse(body)).toEqual(body);
      called.add(`POST ${template}`);
    };
    await send("/api/v1/sync/pause", SyncPausedSchema);
    await send("/api/v1/sync/resume", SyncPausedSchema);
    await send("/api/v1/sync/now", SyncNowSchema);
  });

  it("gift card numbers sealed for the regions, and a balance asked of them", async () => {
    const keys = generateStoredValueKeys();
    const sealing = testAgent(
      { storedValueSealKey: keys.sealPublicKey, giftCardPrefixes: ["603571"] },
      { startSync: false, storedValueRegion: async () => null },
    );
    try {
      const sealed = await call("POST", "/api/v1/stored-value/seal", SealedSchema, {
        body: { kind: "gift_card", number: "6035710000000000001" },
        on: sealing,
      });
      expect(sealed.last4).toBe("0001");
      // No region here: the balance cannot be known, and the agent says so.
      const offline = await call("POST", "/api/v1/stored-value/inquiry", ErrorBodySchema, {
        body: { kind: "gift_card", sealed: sealed.sealed },
        status: 503,
        on: sealing,
      });
      expect(offline.error).toBe("region_unavailable");
      // A void needs a manager first, then a region.
      const voidBody = { kind: "gift_card", sealed: sealed.sealed, cashierId: "c-1", reason: "reported stolen" };
      const noManager = await call("POST", "/api/v1/stored-value/void", ErrorBodySchema, {
        body: voidBody,
        status: 403,
        on: sealing,
      });
      expect(noManager.error).toBe("manager_required");
      const noRegion = await call("POST", "/api/v1/stored-value/void", ErrorBodySchema, {
        body: voidBody,
        status: 503,
        cookie: await managerCookie(sealing.app, MANAGERS.dana),
        on: sealing,
      });
      expect(noRegion.error).toBe("region_unavailable");
    } finally {
      await sealing.done();
    }
  });

  it("called every documented route", () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect([...called].sort()).toEqual(documented.sort());
  });
});
