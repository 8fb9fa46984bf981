import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { serve } from "@hono/node-server";
import type { BatchResponse, RegisterStatus } from "@tenderline/shared";
import { Hono } from "hono";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { prunedAsks } from "../outbox/outbox.ts";
import { sampleSale, testAgent, testConfig } from "../testing/fixtures.ts";
import { FAST_SYNC } from "../testing/sync-settings.ts";
import { SyncEngine } from "./sync-engine.ts";

const TOKEN = "tl_store_test_token_0123456789abcdef";

/**
 * A region reduced to what this test needs: the seqs it holds (the test makes it forget some), its
 * watermark from them, and which seqs each batch carried. The fakes in testing/ never forget.
 */
async function forgetfulRegion() {
  const held = new Set<number>();
  const batches: number[][] = [];
  let statusReads = 0;
  const watermark = () => {
    let contiguousSeq = 0;
    while (held.has(contiguousSeq + 1)) contiguousSeq++;
    const maxSeq = Math.max(0, ...held);
    const gaps: Array<{ from: number; to: number }> = [];
    for (let s = contiguousSeq + 1; s <= maxSeq; s++) {
      if (held.has(s)) continue;
      const last = gaps.at(-1);
      if (last && last.to === s - 1) last.to = s;
      else gaps.push({ from: s, to: s });
    }
    return { contiguousSeq, replicatedSeq: contiguousSeq, gaps, maxSeq };
  };
  const app = new Hono();
  app.get("/v1/health", (c) => c.json({ region: "A", status: "ok" }));
  app.get("/v1/stores/:storeId/registers/:registerId", (c) => {
    statusReads++;
    return c.json({
      region: "A",
      storeId: c.req.param("storeId"),
      registerId: c.req.param("registerId"),
      ...watermark(),
      lastSeenAt: new Date().toISOString(),
    } satisfies RegisterStatus);
  });
  app.post("/v1/events/batch", async (c) => {
    const { events } = (await c.req.json()) as { events: Array<{ eventId: string; seq: number }> };
    batches.push(events.map((e) => e.seq));
    for (const e of events) held.add(e.seq);
    const { maxSeq: _, ...w } = watermark();
    return c.json({
      region: "A",
      results: events.map((e) => ({ eventId: e.eventId, status: "accepted" as const })),
      watermark: w,
    } satisfies BatchResponse);
  });
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
      resolve({ server: s, port: info.port }),
    );
  });
  return {
    url: `http://127.0.0.1:${port}`,
    held,
    batches,
    statusReads: () => statusReads,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe("sync engine: a watermark that goes backwards", () => {
  it("seen in a batch answer: reads the status at once, resends what the region lacks, un-marks replication and warns once about what was pruned", async () => {
    const region = await forgetfulRegion();
    closers.push(region.close);
    const agent = testAgent({}, { startSync: false });
    closers.push(agent.done);
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino(
      { level: "warn" },
      new Writable({
        write(chunk, _enc, done) {
          lines.push(JSON.parse(String(chunk)));
          done();
        },
      }),
    );
    // Idle polls so slow that only the regression itself can make the engine read the status again.
    const settings = testConfig("/unused", { sync: { ...FAST_SYNC, idlePollMs: 60_000 } }).sync;

    // 100 sales every region held; the register pruned the oldest 60 after replication.
    for (let i = 0; i < 100; i++) agent.service.recordSale(sampleSale());
    for (let s = 1; s <= 100; s++) region.held.add(s);
    agent.outbox.markAcked(
      Array.from({ length: 100 }, (_, i) => i + 1),
      "A",
    );
    agent.outbox.markReplicatedUpTo(100);
    agent.db.prepare("UPDATE outbox SET replicated_at = 1 WHERE seq <= 60").run();
    expect(agent.prune().outbox).toBe(60);

    const engine = new SyncEngine({
      outbox: agent.outbox,
      storeId: "store-1",
      registerId: "reg-1",
      regions: [{ name: "A", url: region.url }],
      token: TOKEN,
      settings,
      logger,
    });
    agent.outbox.onCommit(() => engine.wake("sale"));
    engine.start();
    closers.push(() => engine.stop());
    await expect.poll(() => region.statusReads(), { timeout: 5000, interval: 20 }).toBe(1);
    expect(region.batches).toEqual([]);

    // The region loses its tail (restored from a backup of 1..49); the next sale's answer shows it.
    for (let s = 50; s <= 100; s++) region.held.delete(s);
    agent.service.recordSale(sampleSale());
    await expect.poll(() => region.batches.flat().includes(100), { timeout: 5000, interval: 20 }).toBe(true);
    expect(region.batches[0]).toEqual([101]);
    expect(region.statusReads()).toBeGreaterThanOrEqual(2);
    // Every seq the register still holds and the region lacked went back to it, once.
    const resent = region.batches.slice(1).flat();
    expect([...resent].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => 61 + i));
    // The region now says only 1..49 are everywhere: no row above it keeps replicated_at.
    expect(agent.db.prepare("SELECT COUNT(*) FROM outbox WHERE replicated_at IS NOT NULL").pluck().get()).toBe(0);

    // 50..60 can only come back from another region: one note for the manager, one warning.
    expect(prunedAsks(agent.db)).toEqual([expect.objectContaining({ region: "A", from: 50, to: 60 })]);
    engine.syncNow();
    await expect.poll(() => region.statusReads(), { timeout: 5000, interval: 20 }).toBeGreaterThanOrEqual(3);
    expect(prunedAsks(agent.db).length).toBe(1);
    const pruned = lines.filter((l) => /already pruned/.test(String(l.msg)));
    expect(pruned).toEqual([expect.objectContaining({ level: 40, region: "A", from: 50, to: 60 })]);
    expect(lines.some((l) => /holds less of this register/.test(String(l.msg)))).toBe(true);
    // Seqs and the region only: no event ids, bodies or amounts in those lines.
    for (const l of pruned)
      expect(Object.keys(l).sort()).toEqual(["from", "hostname", "level", "msg", "pid", "region", "time", "to"]);
  }, 30_000);
});
