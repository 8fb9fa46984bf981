import { Writable } from "node:stream";
import {
  BatchResponseSchema,
  CredentialChangesSchema,
  CredentialListSchema,
  DigestSchema,
  ErrorBodySchema,
  ExceptionListSchema,
  FeedResponseSchema,
  HealthResponseSchema,
  IssuedCredentialSchema,
  JobsResponseSchema,
  LogPageSchema,
  OperatorHealthSchema,
  PeerCursorSchema,
  RegisterStatusSchema,
  ReplicateResponseSchema,
  ReservationSchema,
  ReturnOriginalSchema,
  RevokedCredentialSchema,
  RotatedCredentialSchema,
  receiptNumber,
  regionOpenApi,
  StoredValueAccountSchema,
  StoredValueBalanceSchema,
  StoredValueBalancesSchema,
  StoredValueHoldSchema,
  StoreRevocationSchema,
  UnverifiedReturnListSchema,
} from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { AnomalyThresholdsSchema } from "../anomalies/thresholds.ts";
import { CredentialIssuer } from "../auth/credential-issuer.ts";
import { generateCredentialKeys, importIssuerKey, publicHalf, TrustedKeys } from "../auth/credential-keys.ts";
import { createPrincipalResolver } from "../auth/principal-resolver.ts";
import { seedTokens } from "../auth/tokens.ts";
import { raiseExceptions } from "../exceptions/exception-store.ts";
import { RegionJobs } from "../jobs/region-jobs.ts";
import { createLogger } from "../logging/logger.ts";
import { createMetrics } from "../metrics/metrics.ts";
import { Replicator } from "../replication/replicator.ts";
import { record, returned, sale } from "../returns/test-events.ts";
import type { Database } from "../storage/database.ts";
import { newCard, recordSv, KEYS as STORED_VALUE_KEYS, svSale } from "../stored-value/test-events.ts";
import { saleEvent } from "../testing/events.ts";
import { seedTestTokens, TOKENS } from "../testing/test-app.ts";
import { type TestStore, testStore } from "../testing/test-databases.ts";
import { createApp } from "./app.ts";
import { addCredentialRoutes } from "./credential-routes.ts";
import { addRegionRoutes } from "./region-routes.ts";

const REGION_TOKEN = "tl_region_B_test_00000000000006";

interface Operation {
  responses: Record<string, unknown>;
}
type Document = { paths: Record<string, Record<string, Operation>> };

/**
 * The region's answers against the shared schemas its OpenAPI document is generated from: every
 * documented route is called on the real app (wired as start-region wires it), and each body must
 * parse to itself (zod drops keys it does not know, so an undocumented field fails too).
 */
describe("the region's wire matches its OpenAPI document", () => {
  let store: TestStore;
  let db: Database;
  let app: ReturnType<typeof createApp>;
  const doc = regionOpenApi() as Document;
  const called = new Set<string>();

  beforeAll(async () => {
    store = await testStore("pglite", "openapi");
    db = await store.open();
    await seedTestTokens(db);
    await seedTokens(db, [{ token: REGION_TOKEN, kind: "region", regionName: "B" }]);
    const keys = await generateCredentialKeys();
    const principals = createPrincipalResolver(db, {
      region: "A",
      trustedKeys: await TrustedKeys.from([publicHalf(keys.credentialIssuerKey)]),
    });
    const issuer = new CredentialIssuer(db, "A", await importIssuerKey(keys.credentialIssuerKey));
    const metrics = createMetrics("A");
    // A peer that never answers: its pull fails, and the health details report it.
    const replicator = new Replicator(db, "A", [{ name: "B", url: "http://127.0.0.1:1", token: REGION_TOKEN }], {
      batch: 500,
      intervalMs: 1000,
      timeoutMs: 1000,
    });
    const jobs = new RegionJobs(db, {
      regions: ["A", "B"],
      replicator,
      reconciler: null,
      thresholds: AnomalyThresholdsSchema.parse({}),
      intervalMs: 1000,
      metrics,
    });
    app = createApp({
      region: "A",
      db,
      metrics,
      logger: createLogger("A", "warn", new Writable({ write: (_c, _e, done) => done() })),
      bodyLimitBytes: 1 << 20,
      replication: replicator,
      principals,
      storedValue: { keys: STORED_VALUE_KEYS },
      healthDetails: async () => ({
        replication: "ok",
        peers: await replicator.refreshLagMetrics(),
        reconciler: "off (no --processor-url)",
      }),
      extend: (a) => {
        addRegionRoutes(a, { region: "A", db, principals, replicator, jobs });
        addCredentialRoutes(a, { region: "A", db, principals, issuer });
      },
    });
  });
  afterAll(async () => {
    await store?.cleanup();
  });

  /** Calls a documented route and checks its status is documented and its body is the schema, exactly. */
  async function call<T>(
    method: "GET" | "POST" | "DELETE",
    template: string,
    schema: z.ZodType<T> | null,
    o: { path?: string; token?: string; body?: unknown; status?: number } = {},
  ): Promise<T> {
    const operation = doc.paths[template]?.[method.toLowerCase()];
    expect(operation, `${method} ${template} is documented`).toBeDefined();
    const res = await app.request(o.path ?? template, {
      method,
      headers: {
        ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
        ...(o.body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
    });
    if (schema === null) {
      // An answer without a body (204).
      expect(res.status).toBe(o.status ?? 204);
      expect(await res.text()).toBe("");
      expect(Object.keys(operation?.responses ?? {})).toContain(String(res.status));
      called.add(`${method} ${template}`);
      return undefined as T;
    }
    const body: unknown = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(o.status ?? 200);
    expect(Object.keys(operation?.responses ?? {})).toContain(String(res.status));
    const parsed = schema.safeParse(body);
    expect(parsed.error, `${method} ${template}: ${JSON.stringify(body)}`).toBeUndefined();
    expect(parsed.data).toEqual(body);
    called.add(`${method} ${template}`);
    return parsed.data as T;
  }

  it("serves its OpenAPI document to anyone", async () => {
    const res = await app.request("/openapi.json");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(regionOpenApi())));
    expect(JSON.stringify(await (await app.request("/openapi.json")).json())).not.toMatch(/tl_[a-z]+_/);
    called.add("GET /openapi.json");
  });

  it("answers health anonymously and in detail", async () => {
    const anonymous = await call("GET", "/v1/health", HealthResponseSchema);
    expect(Object.keys(anonymous).sort()).toEqual(["region", "status"]);
    const detailed = await call("GET", "/v1/health", OperatorHealthSchema, { token: TOKENS.admin });
    expect(detailed.peers?.map((p) => p.name)).toEqual(["B"]);
  });

  it("answers batches, register status, the feed and digests", async () => {
    const e1 = saleEvent({ storeId: "s1", registerId: "oa1", seq: 1 });
    const e3 = saleEvent({ storeId: "s1", registerId: "oa1", seq: 3 });
    const withPan = saleEvent({ storeId: "s1", registerId: "oa1", seq: 4 }) as ReturnType<typeof saleEvent> & {
      payload: { note?: string };
    };
    withPan.payload.note = "card 4111 1111 1111 1111";
    const batch = await call("POST", "/v1/events/batch", BatchResponseSchema, {
      token: TOKENS.s1,
      body: {
        storeId: "s1",
        registerId: "oa1",
        events: [e1, e3, { eventId: "bad" }, { ...e1, occurredAt: "2026-01-01T00:00:00Z" }, withPan],
      },
    });
    expect(batch.results.map((r) => r.status)).toEqual(["accepted", "accepted", "rejected", "rejected", "rejected"]);
    expect(batch.results[4]).toMatchObject({ reason: "pan_detected", httpStatus: 422 });
    expect(batch.watermark.gaps).toEqual([{ from: 2, to: 2 }]);
    const template = "/v1/stores/{storeId}/registers/{registerId}";
    const status = await call("GET", template, RegisterStatusSchema, { path: "/v1/stores/s1/registers/oa1", token: TOKENS.s1 });
    expect(status.maxSeq).toBe(3);
    await call("GET", template, ErrorBodySchema, { path: "/v1/stores/s1/registers/none", token: TOKENS.s1, status: 404 });
    const feed = await call("GET", "/v1/feed", FeedResponseSchema, { path: "/v1/feed?after=0&limit=10", token: TOKENS.consumer });
    expect(feed.items.length).toBe(2);
    await call("GET", "/v1/feed", ErrorBodySchema, { path: "/v1/feed?limit=0", token: TOKENS.consumer, status: 400 });
    const all = await call("GET", "/v1/digest", DigestSchema, { token: TOKENS.admin });
    expect(all.tenderResults).toBeDefined();
    const own = await call("GET", "/v1/digest", DigestSchema, { token: TOKENS.s2 });
    expect(own).toEqual({ registers: [] });
    await call("GET", "/v1/replication/log", LogPageSchema, { token: REGION_TOKEN });
    expect(await call("GET", "/v1/replication/cursor", PeerCursorSchema, { token: REGION_TOKEN })).toMatchObject({ cursor: 0 });
  });

  it("answers exceptions and the admin triggers", async () => {
    await raiseExceptions(db, [
      {
        key: "gap:s1:oa1",
        kind: "gap",
        storeId: "s1",
        subject: "s1/oa1",
        detail: { contiguousSeq: 1, gapSince: "2026-01-01T00:00:00Z" },
      },
    ]);
    const list = await call("GET", "/v1/exceptions", ExceptionListSchema, { token: TOKENS.s1 });
    expect(list.items.map((i) => i.kind)).toContain("gap");
    await call("GET", "/v1/exceptions", ErrorBodySchema, {
      path: "/v1/exceptions?state=later",
      token: TOKENS.admin,
      status: 400,
    });
    const replicated = await call("POST", "/v1/admin/replicate", ReplicateResponseSchema, { token: TOKENS.admin });
    expect(replicated.peers[0]?.error).toBeDefined();
    await call("POST", "/v1/admin/jobs", JobsResponseSchema, { token: TOKENS.admin });
    await call("POST", "/v1/admin/jobs", ErrorBodySchema, { token: TOKENS.s1, status: 403 });
  });

  it("answers the credential commands and the peers' credential pull", async () => {
    const issued = await call("POST", "/v1/admin/credentials", IssuedCredentialSchema, {
      token: TOKENS.admin,
      body: { kind: "register", storeId: "s1", registerId: "oa2", label: "till 2" },
      status: 201,
    });
    await call("POST", "/v1/admin/credentials", ErrorBodySchema, { token: TOKENS.admin, body: { kind: "nobody" }, status: 400 });
    await call("GET", "/v1/admin/credentials", CredentialListSchema, {
      path: "/v1/admin/credentials?all=true",
      token: TOKENS.admin,
    });
    const rotated = await call("POST", "/v1/admin/credentials/{id}/rotate", RotatedCredentialSchema, {
      path: `/v1/admin/credentials/${issued.record.id}/rotate`,
      token: TOKENS.admin,
      body: {},
      status: 201,
    });
    await call("POST", "/v1/admin/credentials/{id}/revoke", RevokedCredentialSchema, {
      path: `/v1/admin/credentials/${rotated.record.id}/revoke`,
      token: TOKENS.admin,
    });
    await call("POST", "/v1/admin/credentials/{id}/revoke", ErrorBodySchema, {
      path: "/v1/admin/credentials/nope/revoke",
      token: TOKENS.admin,
      status: 404,
    });
    await call("POST", "/v1/admin/stores/{storeId}/revoke-credentials", StoreRevocationSchema, {
      path: "/v1/admin/stores/s9/revoke-credentials",
      token: TOKENS.admin,
    });
    const changes = await call("GET", "/v1/replication/credentials", CredentialChangesSchema, { token: REGION_TOKEN });
    expect(changes.records.length).toBeGreaterThanOrEqual(2);
  });

  it("answers the returns lookup, reservations and unverified returns", async () => {
    await record(db, [
      sale({
        storeId: "s2",
        registerId: "or1",
        seq: 5,
        transactionId: "OA-RET-1",
        lines: [{ sku: "SKU-1", quantity: 1, unitPrice: 900 }],
      }),
      returned({
        storeId: "s1",
        registerId: "oa3",
        seq: 1,
        transactionId: "OA-RET-U",
        items: [{ original: "OA-RET-1", sku: "SKU-1", quantity: 1, refund: 5000 }],
        verified: false,
      }),
    ]);
    const original = "/v1/returns/originals/{ref}";
    const found = await call("GET", original, ReturnOriginalSchema, {
      path: `/v1/returns/originals/${receiptNumber("s2", "or1", 5)}`,
      token: TOKENS.register,
    });
    expect(found.lines[0]?.returnable).toBe(0);
    await call("GET", original, ErrorBodySchema, { path: "/v1/returns/originals/NOPE", token: TOKENS.register, status: 404 });
    const request = {
      returnEventId: "oa-res-1",
      storeId: "s1",
      registerId: "r-own",
      originals: [{ transactionId: "OA-RET-1", items: [{ sku: "SKU-2", quantity: 1 }], refunds: [] }],
    };
    await call("POST", "/v1/returns/reservations", ErrorBodySchema, { token: TOKENS.register, body: request, status: 422 });
    await call("POST", "/v1/returns/reservations", ErrorBodySchema, {
      token: TOKENS.register,
      body: { ...request, originals: [{ transactionId: "OA-RET-1", items: [{ sku: "SKU-1", quantity: 1 }], refunds: [] }] },
      status: 409,
    });
    await record(db, [
      sale({
        storeId: "s2",
        registerId: "or1",
        seq: 6,
        transactionId: "OA-RET-2",
        lines: [{ sku: "SKU-1", quantity: 1, unitPrice: 900 }],
      }),
    ]);
    const held = { ...request, originals: [{ transactionId: "OA-RET-2", items: [{ sku: "SKU-1", quantity: 1 }], refunds: [] }] };
    await call("POST", "/v1/returns/reservations", ReservationSchema, { token: TOKENS.register, body: held, status: 201 });
    await call("POST", "/v1/returns/reservations", ReservationSchema, { token: TOKENS.register, body: held });
    await call("POST", "/v1/returns/reservations", ErrorBodySchema, {
      token: TOKENS.register,
      body: { returnEventId: "x" },
      status: 400,
    });
    const release = "/v1/returns/reservations/{returnEventId}";
    await call("DELETE", release, null, { path: "/v1/returns/reservations/oa-res-1", token: TOKENS.register });
    await call("DELETE", release, ErrorBodySchema, {
      path: "/v1/returns/reservations/oa-res-1",
      token: TOKENS.register,
      status: 404,
    });
    const unverified = "/v1/stores/{storeId}/unverified-returns";
    const list = await call("GET", unverified, UnverifiedReturnListSchema, {
      path: "/v1/stores/s1/unverified-returns?status=mismatch",
      token: TOKENS.s1,
    });
    expect(list.items.map((i) => i.transactionId)).toEqual(["OA-RET-U"]);
    await call("GET", unverified, ErrorBodySchema, { path: "/v1/stores/s1/unverified-returns", token: TOKENS.s2, status: 403 });
  });

  it("answers stored-value holds, inquiries, accounts and balances", async () => {
    const card = newCard();
    await recordSv(db, [svSale({ storeId: "s1", registerId: "osv1", activate: [{ card, amount: 2000 }] })]);
    const hold = (holdId: string, amount: number) => ({
      holdId,
      storeId: "s1",
      registerId: "r-own",
      kind: "gift_card",
      sealed: card.sealed(),
      amount: { amount, currency: "USD" },
    });
    const holds = "/v1/stored-value/holds";
    await call("POST", holds, StoredValueHoldSchema, { token: TOKENS.register, body: hold("osv-h1", 1500), status: 201 });
    await call("POST", holds, StoredValueHoldSchema, { token: TOKENS.register, body: hold("osv-h1", 1500) });
    const refused = await call("POST", holds, ErrorBodySchema, {
      token: TOKENS.register,
      body: hold("osv-h2", 1000),
      status: 409,
    });
    expect(refused.details).toMatchObject({ available: { amount: 500, currency: "USD" } });
    await call("POST", holds, ErrorBodySchema, { token: TOKENS.register, body: { holdId: "x" }, status: 400 });
    await call("POST", holds, ErrorBodySchema, {
      token: TOKENS.register,
      body: { ...hold("osv-h3", 1), sealed: newCard().sealed() },
      status: 404,
    });
    const release = "/v1/stored-value/holds/{holdId}";
    await call("DELETE", release, null, { path: "/v1/stored-value/holds/osv-h1", token: TOKENS.register });
    await call("DELETE", release, ErrorBodySchema, {
      path: "/v1/stored-value/holds/osv-h1",
      token: TOKENS.register,
      status: 404,
    });
    const balance = await call("POST", "/v1/stored-value/inquiries", StoredValueBalanceSchema, {
      token: TOKENS.register,
      body: { kind: "gift_card", sealed: card.sealed() },
    });
    expect(balance.available.amount).toBe(2000);
    await call("POST", "/v1/stored-value/inquiries", ErrorBodySchema, {
      token: TOKENS.register,
      body: { kind: "gift_card", sealed: newCard().sealed() },
      status: 404,
    });
    const account = "/v1/stored-value/accounts/{token}";
    const read = await call("GET", account, StoredValueAccountSchema, {
      path: `/v1/stored-value/accounts/${card.token}`,
      token: TOKENS.s1,
    });
    expect(read.entries).toHaveLength(1);
    await call("GET", account, ErrorBodySchema, {
      path: `/v1/stored-value/accounts/${card.token}`,
      token: TOKENS.s2,
      status: 404,
    });
    const all = await call("GET", "/v1/stored-value/balances", StoredValueBalancesSchema, { token: TOKENS.consumer });
    expect(all.accounts.map((a) => a.token)).toContain(card.token);
    await call("GET", "/v1/stored-value/balances", ErrorBodySchema, { token: TOKENS.s1, status: 403 });
  });

  it("answers metrics as text and refusals as the one error body", async () => {
    const metrics = await app.request("/metrics", { headers: { authorization: `Bearer ${TOKENS.admin}` } });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("# HELP");
    called.add("GET /metrics");
    await call("GET", "/metrics", ErrorBodySchema, { status: 401 });
    await call("GET", "/v1/feed", ErrorBodySchema, { token: TOKENS.s1, status: 403 });
    const missing = await app.request("/v1/nowhere");
    expect(missing.status).toBe(404);
    expect(ErrorBodySchema.strict().parse(await missing.json()).error).toBe("not_found");
  });

  it("documents exactly the routes it serves, and every one was called above", () => {
    const served = new Set(
      app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path.replace(/:([A-Za-z]+)/g, "{$1}")}`),
    );
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)),
    );
    expect([...served].sort()).toEqual([...documented].sort());
    expect([...called].sort()).toEqual([...documented].sort());
  });
});
