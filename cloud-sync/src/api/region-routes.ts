import type { DigestResponse, ExceptionList, JobsResponse, LogPage, PeerCursor, ReplicateResponse } from "@tenderline/shared";
import { fail } from "@tenderline/shared";
import type { Hono } from "hono";
import type { PrincipalResolver } from "../auth/principal-resolver.ts";
import { EXCEPTION_KINDS, EXCEPTION_STATES, type ExceptionState, listExceptions } from "../exceptions/exception-store.ts";
import type { RegionJobs } from "../jobs/region-jobs.ts";
import { computeDigest } from "../replication/digest.ts";
import { readLogPage } from "../replication/log-page.ts";
import type { Replicator } from "../replication/replicator.ts";
import type { Database } from "../storage/database.ts";
import { type AuthEnv, requireToken } from "./auth.ts";

export interface RegionRouteDeps {
  region: string;
  db: Database;
  principals: PrincipalResolver;
  replicator: Replicator;
  jobs: RegionJobs;
}

function count(value: string | undefined, name: string, fallback: number | undefined, max?: number): number | undefined {
  if (value === undefined || value === "") return fallback;
  if (!/^\d{1,15}$/.test(value)) fail(400, "invalid_query", `${name} must be a non-negative integer`);
  const n = Number(value);
  if (max !== undefined && (n < 1 || n > max)) fail(400, "invalid_query", `${name} must be between 1 and ${max}`);
  return n;
}

/** Replication, convergence, exceptions and the admin triggers for the background jobs. */
export function addRegionRoutes(app: Hono<AuthEnv>, deps: RegionRouteDeps): void {
  const { db, principals } = deps;

  app.get("/v1/replication/log", requireToken(principals, "region"), async (c) => {
    const requester = c.get("principal").regionName as string;
    const after = count(c.req.query("after"), "after", 0) as number;
    const limit = count(c.req.query("limit"), "limit", 500, 1000) as number;
    const epoch = c.req.query("epoch") || undefined;
    const afterRecord = c.req.query("afterRecord") || undefined;
    const includeOwn = c.req.query("includeOwn") === "1";
    return c.json(
      (await readLogPage(db, deps.region, requester, after, limit, { epoch, afterRecord, includeOwn })) satisfies LogPage,
    );
  });

  // A peer asks, at its start, how far this region has read its log: a position past its own
  // head, or naming another record, means its log was rewound.
  app.get("/v1/replication/cursor", requireToken(principals, "region"), async (c) => {
    const requester = c.get("principal").regionName as string;
    const [row] = await db.query<{ epoch: string | null; cursor: number | string; cursor_record: string | null }>(
      "SELECT epoch, cursor, cursor_record FROM peer_cursors WHERE peer = $1",
      [requester],
    );
    return c.json({
      region: deps.region,
      peer: requester,
      epoch: row?.epoch ?? null,
      cursor: Number(row?.cursor ?? 0),
      cursorRecord: row?.cursor_record ?? null,
    } satisfies PeerCursor);
  });

  // Any known token may compare digests (counts and hashes only); a store's, register's or order
  // channel's token sees its own store.
  app.get("/v1/digest", requireToken(principals, "admin", "consumer", "region", "store", "register", "channel"), async (c) => {
    const principal = c.get("principal");
    const digest = await computeDigest(db);
    if (principal.kind !== "store" && principal.kind !== "register" && principal.kind !== "channel")
      return c.json(digest satisfies DigestResponse);
    return c.json({ registers: digest.registers.filter((r) => r.storeId === principal.storeId) } satisfies DigestResponse);
  });

  // A store token reads its own store's exceptions only (the store manager's screen).
  // A register's credential reads its store's exceptions too (its manager screen shows them).
  app.get("/v1/exceptions", requireToken(principals, "admin", "consumer", "store", "register"), async (c) => {
    const principal = c.get("principal");
    const kind = c.req.query("kind");
    if (kind !== undefined && !(EXCEPTION_KINDS as readonly string[]).includes(kind)) {
      fail(400, "invalid_query", `kind must be one of ${EXCEPTION_KINDS.join(", ")}`);
    }
    let storeId = c.req.query("storeId");
    if (principal.kind === "store" || principal.kind === "register") {
      if (storeId !== undefined && storeId !== principal.storeId)
        fail(403, "wrong_store", `this token reads only store ${principal.storeId}`);
      storeId = principal.storeId as string;
    }
    const minAgeSeconds = count(c.req.query("minAgeSeconds"), "minAgeSeconds", undefined);
    const maxAgeSeconds = count(c.req.query("maxAgeSeconds"), "maxAgeSeconds", undefined);
    const limit = count(c.req.query("limit"), "limit", 1000, 1000) as number;
    const state = c.req.query("state") ?? "open";
    if (!(EXCEPTION_STATES as readonly string[]).includes(state)) {
      fail(400, "invalid_query", `state must be one of ${EXCEPTION_STATES.join(", ")} (default open)`);
    }
    const items = await listExceptions(db, {
      limit,
      state: state as ExceptionState,
      ...(storeId ? { storeId } : {}),
      ...(kind ? { kind } : {}),
      ...(minAgeSeconds !== undefined ? { minAgeSeconds } : {}),
      ...(maxAgeSeconds !== undefined ? { maxAgeSeconds } : {}),
    });
    return c.json({ region: deps.region, items } satisfies ExceptionList);
  });

  // Run the background work now (operators, tests, drills) instead of waiting for the timers.
  app.post("/v1/admin/replicate", requireToken(principals, "admin"), async (c) => {
    return c.json({ region: deps.region, peers: await deps.replicator.pullAll() } satisfies ReplicateResponse);
  });
  app.post("/v1/admin/jobs", requireToken(principals, "admin"), async (c) => {
    return c.json({ region: deps.region, ...(await deps.jobs.runOnce()) } satisfies JobsResponse);
  });
}
