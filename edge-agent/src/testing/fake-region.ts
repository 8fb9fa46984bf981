import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import {
  type BatchResponse,
  EventBatchSchema,
  type EventResult,
  type ExceptionList,
  type RegisterStatus,
} from "@tenderline/shared";
import { Hono } from "hono";
import { z } from "zod";

/**
 * A small in-process stand-in for a region that takes one credential only (any other bearer gets
 * 401), or one per register (`registerTokens`: a register's batches and status only with its own), stores events by their idempotency key (eventId) and counts every delivery of each, so a
 * test can tell "arrived once" from "arrived twice and was deduplicated". The real region
 * (region-process.ts) deduplicates silently; this one makes resends visible.
 */
export interface FakeRegion {
  name: string;
  url: string;
  /** eventId → how many batches carrying it this region took (with the right credential). */
  deliveries: ReadonlyMap<string, number>;
  /** The bearer token of every batch post, in arrival order (refused ones included). */
  batchTokens: readonly string[];
  /** Every batch post as the region answered it (after any hold): its register, bearer token, whether it was taken, and its events. */
  batches: ReadonlyArray<{ registerId: string; token: string; accepted: boolean; eventIds: readonly string[] }>;
  /** Batch posts answered 401. */
  refusedBatches(): number;
  /** Health probes (GET /v1/health) and register status reads answered so far. */
  calls(): { probes: number; statusReads: number };
  /**
   * Answers the next `n` batch posts 503 without taking them, as a load balancer does while the
   * instance behind it dies; health and status calls pass. Infinity: every batch from now on.
   */
  failBatches(n: number): void;
  /** Batch posts answered 503 by failBatches. */
  failedBatches(): number;
  /** Holds every batch post (after noting its token) until release(); health and status calls pass. */
  hold(): void;
  /** Batch posts waiting in hold. */
  held(): number;
  release(): void;
  close(): Promise<void>;
}

/** The fields of each event this fake reads; the rest of the envelope it keeps as sent. */
const WireEventSchema = z.looseObject({ eventId: z.string(), seq: z.number().int(), registerId: z.string() });
type WireEvent = z.infer<typeof WireEventSchema>;

/** A batch as the sync engine sends it (the shared schema), with its events read as far as this fake needs. */
const FakeBatchSchema = EventBatchSchema.extend({ events: z.array(WireEventSchema) });

function bearer(header: string | undefined): string {
  return header?.startsWith("Bearer ") ? header.slice("Bearer ".length) : "";
}

/** contiguousSeq and the gaps above it, from the seqs held. */
function watermarkOf(seqs: ReadonlySet<number>): BatchResponse["watermark"] {
  let contiguousSeq = 0;
  while (seqs.has(contiguousSeq + 1)) contiguousSeq++;
  const max = Math.max(0, ...seqs);
  const gaps: Array<{ from: number; to: number }> = [];
  for (let s = contiguousSeq + 1; s <= max; s++) {
    if (seqs.has(s)) continue;
    const last = gaps[gaps.length - 1];
    if (last && last.to === s - 1) last.to = s;
    else gaps.push({ from: s, to: s });
  }
  // One region alone: what it holds contiguously counts as replicated.
  return { contiguousSeq, replicatedSeq: contiguousSeq, gaps };
}

export type FakeRegionOptions = { name: string } & (
  | { acceptToken: string }
  /** registerId → the one credential this region takes for that register's batches and status. */
  | { registerTokens: Readonly<Record<string, string>> }
);

export async function startFakeRegion(options: FakeRegionOptions): Promise<FakeRegion> {
  const accepts = (token: string, registerId: string | undefined): boolean => {
    if ("acceptToken" in options) return token === options.acceptToken;
    // Reads of the whole store (exceptions) name no register: any of the store's registers may ask.
    if (registerId === undefined) return Object.values(options.registerTokens).includes(token);
    return Object.hasOwn(options.registerTokens, registerId) && options.registerTokens[registerId] === token;
  };
  const deliveries = new Map<string, number>();
  const held = new Map<string, WireEvent>();
  const seqsByRegister = new Map<string, Set<number>>();
  const batchTokens: string[] = [];
  const batches: Array<{ registerId: string; token: string; accepted: boolean; eventIds: readonly string[] }> = [];
  let refused = 0;
  let toFail = 0;
  let failed = 0;
  let gate: { promise: Promise<void>; open: () => void; waiting: number } | undefined;

  const app = new Hono();
  const calls = { probes: 0, statusReads: 0 };
  app.get("/v1/health", (c) => {
    calls.probes++;
    return c.json({ region: options.name, status: "ok" });
  });
  app.get("/v1/stores/:storeId/registers/:registerId", (c) => {
    calls.statusReads++;
    if (!accepts(bearer(c.req.header("authorization")), c.req.param("registerId"))) {
      return c.json({ error: "unauthorized", message: "unknown token" }, 401);
    }
    const seqs = seqsByRegister.get(c.req.param("registerId"));
    if (!seqs || seqs.size === 0) return c.json({ error: "not_found", message: "no such register" }, 404);
    return c.json({
      region: options.name,
      storeId: c.req.param("storeId"),
      registerId: c.req.param("registerId"),
      ...watermarkOf(seqs),
      maxSeq: Math.max(...seqs),
      lastSeenAt: new Date().toISOString(),
    } satisfies RegisterStatus);
  });
  // The store's reconciliation exceptions (the manager screen reads them): none, for the right credential.
  app.get("/v1/exceptions", (c) =>
    accepts(bearer(c.req.header("authorization")), undefined)
      ? c.json({ region: options.name, items: [] } satisfies ExceptionList)
      : c.json({ error: "unauthorized", message: "unknown token" }, 401),
  );
  app.post("/v1/events/batch", async (c) => {
    if (toFail > 0) {
      toFail--;
      failed++;
      return c.json({ error: "unavailable", message: "injected: the instance behind the balancer died" }, 503);
    }
    const token = bearer(c.req.header("authorization"));
    batchTokens.push(token);
    const body = FakeBatchSchema.parse(await c.req.json());
    if (gate) {
      gate.waiting++;
      await gate.promise;
    }
    const accepted = accepts(token, body.registerId);
    batches.push({ registerId: body.registerId, token, accepted, eventIds: body.events.map((e) => e.eventId) });
    if (!accepted) {
      refused++;
      return c.json({ error: "unauthorized", message: "unknown token" }, 401);
    }
    const seqs = seqsByRegister.get(body.registerId) ?? new Set<number>();
    seqsByRegister.set(body.registerId, seqs);
    const results: EventResult[] = body.events.map((e) => {
      deliveries.set(e.eventId, (deliveries.get(e.eventId) ?? 0) + 1);
      const before = held.get(e.eventId);
      if (before) return { eventId: e.eventId, status: "duplicate" };
      held.set(e.eventId, e);
      seqs.add(e.seq);
      return { eventId: e.eventId, status: "accepted" };
    });
    const response: BatchResponse = { region: options.name, results, watermark: watermarkOf(seqs) };
    return c.json(response);
  });

  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
      resolve({ server: s, port: info.port }),
    );
    s.once("error", reject);
  });
  return {
    name: options.name,
    url: `http://127.0.0.1:${port}`,
    deliveries,
    batchTokens,
    batches,
    refusedBatches: () => refused,
    failBatches(n) {
      toFail = n;
    },
    failedBatches: () => failed,
    calls: () => ({ ...calls }),
    hold() {
      if (gate) return;
      let open = () => {};
      const promise = new Promise<void>((resolve) => {
        open = resolve;
      });
      gate = { promise, open, waiting: 0 };
    },
    held: () => gate?.waiting ?? 0,
    release() {
      gate?.open();
      gate = undefined;
    },
    async close() {
      gate?.open();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) (server as { closeAllConnections(): void }).closeAllConnections();
      });
    },
  };
}
