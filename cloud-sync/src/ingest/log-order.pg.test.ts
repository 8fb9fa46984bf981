/**
 * What the log promises its readers when appends run side by side. PostgreSQL only: PGlite has one
 * connection and runs transactions one after another, so nothing there can commit out of order.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFeedCursor, readFeed } from "../feed/read-feed.ts";
import type { Database } from "../storage/database.ts";
import { saleEvent } from "../testing/events.ts";
import { type TestStore, testStore } from "../testing/test-databases.ts";
import { classifyBatch } from "./classify-batch.ts";
import { eventRecord, ingestBatch } from "./ingest-batch.ts";
import { committedHorizon } from "./log-order.ts";
import { storeRecords } from "./store-records.ts";
import { advanceWatermarks, lockRegisters, readWatermark } from "./watermark.ts";

function records(registerId: string, seqs: number[]) {
  const events = seqs.map((seq) => saleEvent({ registerId, seq }));
  return { events, rows: classifyBatch(registerId, events).candidates.map((c) => eventRecord(c, "A")) };
}

/** A transaction that has done `work` and stays open until `release()`: an append in flight. */
function openTransaction(db: Database, work: Parameters<Database["transaction"]>[0]) {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let ready = () => {};
  const started = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const done = db.transaction(async (tx) => {
    await work(tx);
    ready();
    await held;
  });
  return { started, release, done };
}

describe("log order over postgres", () => {
  let store: TestStore;
  let db: Database;
  beforeAll(async () => {
    store = await testStore("postgres", "log_order");
    db = await store.open();
  });
  afterAll(async () => {
    await store.cleanup();
  });

  /** Resolves once some session waits for a lock (or `settled` says the would-be waiter already finished). */
  async function someoneWaitsForALock(settled: () => boolean): Promise<void> {
    for (;;) {
      const [row] = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())",
      );
      if (Number(row?.n) > 0 || settled()) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it("lets appends run side by side, and a reader waits for those in flight, so a late commit is never skipped", async () => {
    const early = records("lo1", [1]);
    const late = records("lo2", [1]);
    const slow = openTransaction(db, (tx) => storeRecords(tx, early.rows));
    let read = false;
    let page: ReturnType<typeof readFeed> | undefined;
    try {
      await slow.started;
      // Another register's append commits while the first one, holding a smaller position, is still open.
      await db.transaction((tx) => storeRecords(tx, late.rows));
      page = readFeed(db, "A", { epoch: null, pos: 0, check: null }, 100).finally(() => {
        read = true;
      });
      // Long enough for the reader to have looked many times: it must still be waiting.
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      slow.release();
      await slow.done;
    }
    expect(read).toBe(false);
    const { items, nextCursor } = await page;
    expect(items.map((item) => (item.event as { eventId: string }).eventId)).toEqual([
      early.events[0]?.eventId,
      late.events[0]?.eventId,
    ]);
    expect(await committedHorizon(db)).toBe(parseFeedCursor(nextCursor)?.pos);
  });

  it("makes two batches of one register take turns, so its watermark counts both", async () => {
    const first = records("lo3", [1, 2, 3]);
    const second = records("lo3", [4, 5, 6]);
    const open = openTransaction(db, async (tx) => {
      await lockRegisters(tx, [{ storeId: "s1", registerId: "lo3" }]);
      await storeRecords(tx, first.rows);
      await advanceWatermarks(tx, [{ storeId: "s1", registerId: "lo3" }], true);
    });
    let answered = false;
    let next: ReturnType<typeof ingestBatch> | undefined;
    try {
      await open.started;
      next = ingestBatch(db, "A", { storeId: "s1", registerId: "lo3", events: second.events }).finally(() => {
        answered = true;
      });
      await someoneWaitsForALock(() => answered);
    } finally {
      open.release();
      await open.done;
    }
    expect(answered).toBe(false);
    expect((await next).watermark).toEqual({ contiguousSeq: 6, replicatedSeq: 6, gaps: [] });
    expect((await readWatermark(db, { storeId: "s1", registerId: "lo3" })).contiguousSeq).toBe(6);
  });

  it("never holds an append back: appends start and commit while a reader waits for an older one", async () => {
    const inFlightAppend = records("lo4", [1]);
    const slow = openTransaction(db, (tx) => storeRecords(tx, inFlightAppend.rows));
    let pages: Array<ReturnType<typeof readFeed>> = [];
    const meanwhile = records("lo5", [1, 2, 3]);
    let settledEarly = false;
    try {
      await slow.started;
      pages = Array.from({ length: 5 }, () => readFeed(db, "A", { epoch: null, pos: 0, check: null }, 1000));
      const tracked = pages.map((p) => p.then(() => true));
      // Appends go on while five readers wait: each commits without waiting for the readers.
      for (const seq of [0, 1, 2])
        await db.transaction((tx) => storeRecords(tx, [meanwhile.rows[seq] as (typeof meanwhile.rows)[number]]));
      settledEarly = await Promise.race([...tracked, Promise.resolve(false)]);
      const [row] = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())",
      );
      expect(Number(row?.n)).toBe(0);
    } finally {
      slow.release();
      await slow.done;
    }
    expect(settledEarly).toBe(false);
    const read = await Promise.all(pages);
    for (const page of read) {
      const ids = page.items.map((i) => (i.event as { eventId: string }).eventId);
      expect(ids).toContain(inFlightAppend.events[0]?.eventId);
      // Nothing read skips a position: the page is in log order and ends at or before the horizon.
      expect(parseFeedCursor(page.nextCursor)?.pos).toBeLessThanOrEqual(await committedHorizon(db));
    }
  });

  it("ends its horizon at the last record held when the newest positions were rolled back", async () => {
    const kept = records("lo6", [1]);
    await db.transaction((tx) => storeRecords(tx, kept.rows));
    const held = await committedHorizon(db);
    const dropped = records("lo7", [1, 2]);
    await db
      .transaction(async (tx) => {
        await storeRecords(tx, dropped.rows);
        throw new Error("rolled back on purpose");
      })
      .catch((error: unknown) => {
        if (!(error instanceof Error && error.message === "rolled back on purpose")) throw error;
      });
    expect(await committedHorizon(db)).toBe(held);
  });
});
