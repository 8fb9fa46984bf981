import { closeSync, fsync, openSync } from "node:fs";
import type { Db } from "./database.ts";

/** The write-ahead log could not be flushed to disk: what was committed before it is not known durable. */
export class WalFlushError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`the outbox's write-ahead log could not be flushed to disk (${reason}); the recording is not confirmed`, options);
    this.name = "WalFlushError";
  }
}

export type FsyncFn = (fd: number, done: (error: NodeJS.ErrnoException | null) => void) => void;

/**
 * Flushes a WAL-mode database's log to disk off the event loop: an fsync of the `-wal` file on
 * libuv's thread pool, where `synchronous = FULL` would block the thread inside COMMIT. A
 * transaction committed with `synchronous = NORMAL` has its frames in the log (the OS holds them),
 * so one fsync of the log's file after it makes that transaction, and every one before it, as
 * durable as a FULL commit. A checkpoint in between does no harm: SQLite syncs the log before it
 * copies it and the database after. Only for a file database in WAL mode (`available`).
 */
export class WalFlusher {
  readonly available: boolean;
  private fd: number | undefined;
  private readonly walPath: string;

  constructor(
    db: Db,
    private readonly sync: FsyncFn = fsync,
  ) {
    this.walPath = `${db.name}-wal`;
    this.available = !db.memory && String(db.pragma("journal_mode", { simple: true })).toLowerCase() === "wal";
  }

  /** Resolves once everything committed before the call is on disk; rejects with WalFlushError. */
  flush(): Promise<void> {
    return new Promise((resolve, reject) => {
      let fd: number;
      try {
        // Read-only is enough for fsync; kept open (SQLite keeps the log's file while the database is open).
        this.fd ??= openSync(this.walPath, "r");
        fd = this.fd;
      } catch (error) {
        reject(new WalFlushError(`cannot open ${this.walPath}: ${(error as Error).message}`, { cause: error }));
        return;
      }
      this.sync(fd, (error) => {
        if (error) reject(new WalFlushError(error.code ?? error.message, { cause: error }));
        else resolve();
      });
    });
  }

  /** Closes the log's file descriptor (after the database is closed). */
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
