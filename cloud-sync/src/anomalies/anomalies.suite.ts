import { Writable } from "node:stream";
import { type ExceptionList, ExceptionListSchema } from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../api/app.ts";
import { addRegionRoutes } from "../api/region-routes.ts";
import { ingestBatch } from "../ingest/ingest-batch.ts";
import { storeRecords } from "../ingest/store-records.ts";
import { RegionJobs } from "../jobs/region-jobs.ts";
import { createLogger } from "../logging/logger.ts";
import { createMetrics, type Metrics } from "../metrics/metrics.ts";
import { resultRecord, tenderResult } from "../reconcile/tender-result.ts";
import { Replicator } from "../replication/replicator.ts";
import type { Database } from "../storage/database.ts";
import { saleEvent } from "../testing/events.ts";
import { seedTestTokens, TOKENS } from "../testing/test-app.ts";
import { type Backend, type TestStore, testStore } from "../testing/test-databases.ts";
import { evaluateAnomalies } from "./anomaly-rules.ts";
import { type AnomalyThresholds, AnomalyThresholdsSchema } from "./thresholds.ts";

/** Anomaly rules and the exceptions API, on one storage backend. */
export function anomaliesSuite(backend: Backend): void {
  describe(`anomaly rules and exceptions over ${backend}`, () => {
    let store: TestStore;
    let db: Database;
    let metrics: Metrics;
    let jobs: RegionJobs;
    let app: ReturnType<typeof createApp>;
    const thresholds: AnomalyThresholds = AnomalyThresholdsSchema.parse({
      duplicateStorm: 3,
      declineMinSample: 4,
      declineRate: 0.5,
    });

    beforeAll(async () => {
      store = await testStore(backend, "anomalies");
      db = await store.open();
      await seedTestTokens(db);
      metrics = createMetrics("A");
      const replicator = new Replicator(db, "A", [], { batch: 500, intervalMs: 1000 });
      jobs = new RegionJobs(db, { regions: ["A"], replicator, reconciler: null, thresholds, intervalMs: 1000, metrics });
      const sink = new Writable({ write: (_c, _e, done) => done() });
      app = createApp({
        region: "A",
        db,
        metrics,
        logger: createLogger("A", "warn", sink),
        bodyLimitBytes: 1 << 20,
        replication: replicator,
        extend: (a, principals) => addRegionRoutes(a, { region: "A", db, principals, replicator, jobs }),
      });
    });
    afterAll(async () => {
      await store?.cleanup();
    });

    const get = async (path: string, token: string) => {
      const res = await app.request(path, { headers: { authorization: `Bearer ${token}` } });
      const json: unknown = await res.json();
      // Only a 200 answers a list; a refusal has none to read (its status is what these tests check).
      const list = res.status === 200 ? ExceptionListSchema.parse(json) : undefined;
      return {
        status: res.status,
        get body(): ExceptionList {
          if (!list) throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(json)}`);
          return list;
        },
      };
    };

    it("raises conflicts, duplicate storms, aged gaps, silent stores and high decline rates, once each", async () => {
      const e1 = saleEvent({ storeId: "s1", registerId: "g1", seq: 1 });
      const e3 = saleEvent({ storeId: "s1", registerId: "g1", seq: 3 });
      await ingestBatch(db, "A", { storeId: "s1", registerId: "g1", events: [e1, e3] });
      await ingestBatch(db, "A", {
        storeId: "s1",
        registerId: "g1",
        events: [e1, e3, { ...e1, occurredAt: "2026-01-01T00:00:00Z" }],
      });
      await ingestBatch(db, "A", { storeId: "s1", registerId: "g1", events: [e1] });
      let found = await evaluateAnomalies(db, thresholds, []);
      expect(found.map((f) => f.kind).sort()).toEqual(["conflicts", "duplicate_storm"]);

      // The gap is young; make it old (and the store quiet) as time would.
      await db.query("UPDATE register_state SET gap_since = now() - interval '1 hour' WHERE register_id = 'g1'");
      await ingestBatch(db, "A", {
        storeId: "s9",
        registerId: "q1",
        events: [saleEvent({ storeId: "s9", registerId: "q1", seq: 1 })],
      });
      await db.query("UPDATE register_state SET last_seen_at = now() - interval '3 hours' WHERE store_id = 's9'");
      const outcomes = ["declined", "declined", "matched", "declined"] as const;
      await db.transaction((tx) =>
        storeRecords(
          tx,
          outcomes.map((outcome, i) =>
            resultRecord(
              tenderResult(
                {
                  eventId: `01a216c9-65c0-73ce-8584-0000000000${10 + i}`,
                  transactionId: `d${i}`,
                  tenderId: `d${i}-t1`,
                  storeId: "s7",
                  terminalTxnId: `T-d${i}`,
                  expected: { amount: 100, currency: "USD" },
                },
                outcome === "matched"
                  ? {
                      terminalTxnId: `T-d${i}`,
                      outcome,
                      authCode: "A",
                      processorRef: "R",
                      settled: { amount: 100, currency: "USD" },
                    }
                  : { terminalTxnId: `T-d${i}`, outcome, reason: "do_not_honor" },
              ),
              "A",
            ),
          ),
        ),
      );
      const lagging = {
        name: "B",
        cursor: 0,
        peerHead: 10,
        lagEvents: 10,
        lagMs: 600_000,
        lastSuccessAt: null,
        lastError: "unreachable",
      };
      found = await evaluateAnomalies(db, thresholds, [lagging]);
      expect(found.map((f) => `${f.kind}:${f.subject}`).sort()).toEqual([
        "conflicts:s1",
        "decline_rate:s7",
        "duplicate_storm:s1",
        "gap:s1/g1",
        "replication_lag:B",
        "store_silent:s9",
      ]);

      await jobs.runOnce();
      await jobs.runOnce();
      const rows = await db.query<{ kind: string; n: number }>(
        "SELECT kind, count(*)::int AS n FROM exceptions GROUP BY kind ORDER BY kind",
      );
      expect(rows.map((r) => [r.kind, Number(r.n)])).toEqual([
        ["conflicts", 1],
        ["decline_rate", 1],
        ["declined", 3],
        ["duplicate_storm", 1],
        ["gap", 1],
        ["store_silent", 1],
      ]);
      expect(await metrics.registry.metrics()).toMatch(/tenderline_open_exceptions\{kind="gap",region="A"\} 1/);

      // Closing the gap ends its age.
      await ingestBatch(db, "A", {
        storeId: "s1",
        registerId: "g1",
        events: [saleEvent({ storeId: "s1", registerId: "g1", seq: 2 })],
      });
      const [state] = await db.query<{ gap_since: unknown }>("SELECT gap_since FROM register_state WHERE register_id = 'g1'");
      expect(state?.gap_since).toBeNull();
    });

    it("lists exceptions filtered by store, kind and age, and lets a store token see only its own store", async () => {
      const all = await get("/v1/exceptions", TOKENS.admin);
      expect(all.status).toBe(200);
      expect(all.body.items.length).toBeGreaterThanOrEqual(8);
      expect(all.body.items.every((i) => i.message.length > 0)).toBe(true);
      const gaps = await get("/v1/exceptions?kind=gap", TOKENS.consumer);
      expect(gaps.body.items.map((i) => i.subject)).toEqual(["s1/g1"]);
      const s7 = await get("/v1/exceptions?storeId=s7&kind=declined", TOKENS.admin);
      expect(s7.body.items).toHaveLength(3);
      expect((await get("/v1/exceptions?minAgeSeconds=3600", TOKENS.admin)).body.items).toEqual([]);
      expect((await get("/v1/exceptions?maxAgeSeconds=3600", TOKENS.admin)).body.items.length).toBe(all.body.items.length);
      const own = await get("/v1/exceptions", TOKENS.s1);
      expect(own.body.items.length).toBeGreaterThan(0);
      expect(own.body.items.every((i) => i.storeId === "s1")).toBe(true);
      expect((await get("/v1/exceptions?storeId=s7", TOKENS.s1)).status).toBe(403);
      expect((await get("/v1/exceptions?kind=nonsense", TOKENS.admin)).status).toBe(400);
      expect((await app.request("/v1/exceptions")).status).toBe(401);
    });

    it("resolves a condition once the rules stop finding it, keeps recorded facts open, and reopens a condition that returns", async () => {
      const list = async (query: string) => (await get(`/v1/exceptions?${query}`, TOKENS.admin)).body.items;
      // The first test closed g1's gap: the next run of the rules no longer finds it.
      await jobs.runOnce();
      expect(await list("kind=gap")).toEqual([]);
      const resolved = await list("kind=gap&state=resolved");
      expect(resolved.map((e) => e.subject)).toEqual(["s1/g1"]);
      expect(Date.parse(resolved[0]?.resolvedAt as string)).not.toBeNaN();
      expect((await list("kind=gap&state=all")).map((e) => e.subject)).toEqual(["s1/g1"]);
      expect(await metrics.registry.metrics()).toMatch(/tenderline_open_exceptions\{kind="gap",region="A"\} 0/);
      // Declines are facts someone has to look at: still open.
      expect(await list("kind=declined")).toHaveLength(3);

      // Store s9 is heard from again, then goes quiet as before: resolved, then reopened.
      const [before] = await db.query<{ at: Date | string }>(
        "SELECT last_seen_at AS at FROM register_state WHERE store_id = 's9'",
      );
      await db.query("UPDATE register_state SET last_seen_at = now() WHERE store_id = 's9'");
      await jobs.runOnce();
      expect(await list("kind=store_silent")).toEqual([]);
      await db.query("UPDATE register_state SET last_seen_at = $1 WHERE store_id = 's9'", [before?.at]);
      await jobs.runOnce();
      const reopened = await list("kind=store_silent");
      expect(reopened.map((e) => [e.subject, e.resolvedAt])).toEqual([["s9", null]]);
      expect(reopened[0]?.occurrences).toBeGreaterThan(1);
      expect((await get("/v1/exceptions?state=closed", TOKENS.admin)).status).toBe(400);
    });
  });
}
