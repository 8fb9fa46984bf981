import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ingestBatch } from "../ingest/ingest-batch.ts";
import { saleEvent } from "../testing/events.ts";
import type { Database } from "./database.ts";
import { migrate } from "./migrate.ts";
import { openPglite } from "./pglite-database.ts";
import type { FlushFs } from "./pglite-flush.ts";

/** The node fs, recording the path of every fsync. */
function countingFs(): FlushFs & { synced: string[] } {
  const paths = new Map<number, string>();
  const synced: string[] = [];
  return {
    synced,
    readdirSync: (path, options) => fs.readdirSync(path, options),
    statSync: (path) => fs.statSync(path),
    openSync(path, flags) {
      const fd = fs.openSync(path, flags);
      paths.set(fd, path);
      return fd;
    },
    fsyncSync(fd) {
      fs.fsyncSync(fd);
      synced.push(paths.get(fd) ?? `fd ${fd}`);
    },
    closeSync(fd) {
      paths.delete(fd);
      fs.closeSync(fd);
    },
  };
}

const isWalSegment = (path: string) => basename(dirname(path)) === "pg_wal" && /^[0-9A-F]{24}$/.test(basename(path));

describe("PGlite durable acknowledgements", () => {
  const dirs: string[] = [];
  const dbs: Database[] = [];
  afterEach(async () => {
    for (const db of dbs.splice(0)) await db.close();
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function open(dataDir: string | undefined, flushFs: FlushFs): Promise<Database> {
    const db = await openPglite(dataDir, { flushFs });
    dbs.push(db);
    await migrate(db);
    return db;
  }

  it("fsyncs the WAL before each batch is acknowledged, once per batch; what was acknowledged is there after a reopen", async () => {
    const dir = fs.mkdtempSync(join(tmpdir(), "tenderline-flush-"));
    dirs.push(dir);
    const counter = countingFs();
    const db = await open(join(dir, "pgdata"), counter);
    // Opening and migrating already made the fresh data directory durable.
    expect(counter.synced.length).toBeGreaterThan(0);

    let seq = 0;
    for (let batch = 0; batch < 3; batch++) {
      counter.synced.length = 0;
      const events = Array.from({ length: 5 }, () => saleEvent({ seq: ++seq }));
      const out = await ingestBatch(db, "eu", { storeId: "s1", registerId: "r1", events });
      // By the time ingestBatch resolves (the ack), the WAL segment holding the commit was fsynced.
      expect(out.results.every((r) => r.status === "accepted")).toBe(true);
      const wal = counter.synced.filter(isWalSegment);
      expect(wal.length).toBeGreaterThanOrEqual(1);
      // One flush per committed transaction, not one per statement: the batch ran ~10 statements.
      expect(wal.length).toBeLessThanOrEqual(2);
    }

    // Every acknowledged batch is there when the region reopens its data directory; reopened with
    // durable acks off (one data directory for both: each new one costs an initdb), nothing is flushed.
    await db.close();
    dbs.splice(dbs.indexOf(db), 1);
    const quiet = countingFs();
    const again = await openPglite(join(dir, "pgdata"), { durableAcks: false, flushFs: quiet });
    dbs.push(again);
    const rows = await again.query<{ n: number }>("SELECT count(*)::int AS n FROM records WHERE kind = 'event'");
    expect(rows[0]?.n).toBe(15);
    await ingestBatch(again, "eu", { storeId: "s1", registerId: "r1", events: [saleEvent({ seq: ++seq })] });
    expect(quiet.synced).toEqual([]);
  });

  it("does not flush an in-memory database", async () => {
    const counter = countingFs();
    const db = await open("memory://", counter);
    await ingestBatch(db, "eu", { storeId: "s1", registerId: "r1", events: [saleEvent({ seq: 1 })] });
    expect(counter.synced).toEqual([]);
  });
});
