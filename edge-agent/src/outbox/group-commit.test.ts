import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Db, openDatabase } from "../storage/database.ts";
import { type FsyncFn, WalFlushError, WalFlusher } from "../storage/wal-flush.ts";
import { tempDir } from "../testing/fixtures.ts";
import { GroupCommit } from "./group-commit.ts";
import { Outbox } from "./outbox.ts";

/** An fsync the test completes by hand: each call waits until `release` (or `fail`) is called. */
function heldFsync() {
  const waiting: Array<(error: NodeJS.ErrnoException | null) => void> = [];
  const fsync: FsyncFn = (_fd, done) => {
    waiting.push(done);
  };
  return {
    fsync,
    get calls() {
      return waiting.length;
    },
    release: () => {
      for (const done of waiting.splice(0)) done(null);
    },
    fail: (code: string) => {
      for (const done of waiting.splice(0)) done(Object.assign(new Error(`${code}: i/o error`), { code }));
    },
  };
}

const sale = (outbox: Outbox) => () =>
  outbox.append({ type: "sale.completed", occurredAt: new Date().toISOString(), payload: { n: 1 } }).seq;

/** Resolves on the next turns of the event loop: a promise that is still pending after it is held up. */
const turns = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("group commit flushed off the event loop (a fleet's registers)", () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Db;
  let outbox: Outbox;
  let woken: number;
  beforeEach(() => {
    dir = tempDir();
    db = openDatabase(dir.dir);
    outbox = new Outbox(db, "store-1", "reg-1");
    woken = 0;
    outbox.onCommit(() => woken++);
  });
  afterEach(() => {
    db.close();
    dir.cleanup();
  });

  it("answers a recording only after its fsync, and until then neither offers it to sync nor wakes the engine", async () => {
    const disk = heldFsync();
    const commits = new GroupCommit(outbox, { flusher: new WalFlusher(db, disk.fsync) });
    let answered: number | undefined;
    const recording = commits.run(sale(outbox)).then((seq) => {
      answered = seq;
    });
    await turns();
    // Committed (the row is there), not yet on disk: no answer, nothing to send, no wake-up.
    expect(db.prepare("SELECT COUNT(*) FROM outbox").pluck().get()).toBe(1);
    expect(disk.calls).toBe(1);
    expect(answered).toBeUndefined();
    expect(outbox.pendingBatch(10, 1 << 20)).toEqual([]);
    expect(woken).toBe(0);
    disk.release();
    await recording;
    expect(answered).toBe(1);
    expect(outbox.pendingBatch(10, 1 << 20).map((r) => r.seq)).toEqual([1]);
    expect(woken).toBe(1);
  });

  it("a failed fsync answers WalFlushError and keeps the row from sync until a later flush covers it", async () => {
    const disk = heldFsync();
    const commits = new GroupCommit(outbox, { flusher: new WalFlusher(db, disk.fsync) });
    const first = commits.run(sale(outbox));
    await turns();
    disk.fail("EIO");
    await expect(first).rejects.toBeInstanceOf(WalFlushError);
    await expect(first).rejects.toThrow(/EIO.*not confirmed/);
    expect(outbox.pendingBatch(10, 1 << 20)).toEqual([]);
    expect(woken).toBe(0);
    // The next flush syncs the whole log: the first row is then on disk too.
    const second = commits.run(sale(outbox));
    await turns();
    disk.release();
    expect(await second).toBe(2);
    expect(outbox.pendingBatch(10, 1 << 20).map((r) => r.seq)).toEqual([1, 2]);
  });

  it("a refused recording in the group still gets its own error, the others their seqs, after one fsync", async () => {
    const disk = heldFsync();
    const commits = new GroupCommit(outbox, { flusher: new WalFlusher(db, disk.fsync) });
    const ok = commits.run(sale(outbox));
    const refused = commits.run(() => {
      sale(outbox)();
      throw new Error("over the offline limit");
    });
    const alsoOk = commits.run(sale(outbox));
    await turns();
    expect(disk.calls).toBe(1);
    disk.release();
    expect(await ok).toBe(1);
    await expect(refused).rejects.toThrow("over the offline limit");
    expect(await alsoOk).toBe(2);
    expect(outbox.pendingBatch(10, 1 << 20).map((r) => r.seq)).toEqual([1, 2]);
  });

  it("with the real fsync the recording is answered and survives closing and reopening the database", async () => {
    const commits = new GroupCommit(outbox, { flusher: new WalFlusher(db) });
    expect(await Promise.all([commits.run(sale(outbox)), commits.run(sale(outbox))])).toEqual([1, 2]);
    expect(woken).toBe(1);
    db.close();
    db = openDatabase(dir.dir);
    expect(new Outbox(db, "store-1", "reg-1").pendingBatch(10, 1 << 20).map((r) => r.seq)).toEqual([1, 2]);
  });

  it("a full-sync recording (no flusher) is offered and wakes the engine at its commit", async () => {
    const commits = new GroupCommit(outbox);
    expect(await commits.run(sale(outbox))).toBe(1);
    expect(woken).toBe(1);
    expect(outbox.pendingBatch(10, 1 << 20).map((r) => r.seq)).toEqual([1]);
  });

  it("only a file database in WAL mode has a log to flush: an in-memory one is not available", async () => {
    const { default: Database } = await import("better-sqlite3");
    const memory = new Database(":memory:");
    try {
      expect(new WalFlusher(memory).available).toBe(false);
    } finally {
      memory.close();
    }
    expect(new WalFlusher(db).available).toBe(true);
  });
});
