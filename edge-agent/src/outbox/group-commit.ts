import { WalFlushError, type WalFlusher } from "../storage/wal-flush.ts";
import type { Outbox } from "./outbox.ts";

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

interface Waiting {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  /**
   * Flush each group's commit to disk off the event loop (Outbox.transactionFlushed) instead of
   * inside COMMIT: for an outbox whose sync engine runs on the same object (a fleet's registers,
   * where hundreds share one event loop). Without it, each group commits with full sync.
   */
  flusher?: WalFlusher;
}

/**
 * Group commit for the HTTP path: the recordings that arrive in one turn of the event loop run in
 * one SQLite transaction, each in its own savepoint (a refused one rolls back alone), and one fsync
 * makes them all durable. Nobody is answered before that fsync, so a 201 still means on disk.
 */
export class GroupCommit {
  private queue: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly outbox: Outbox,
    private readonly options: GroupCommitOptions = {},
  ) {}

  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const group = this.queue;
    this.queue = [];
    const outcomes: Outcome[] = [];
    // An error that ended the whole transaction (SQLite may roll back everything on a full disk).
    let fatal: unknown;
    const runGroup = () => {
      for (const item of group) {
        if (fatal !== undefined) {
          outcomes.push({ ok: false, error: fatal });
          continue;
        }
        try {
          outcomes.push({ ok: true, value: this.outbox.transaction(item.fn) });
        } catch (error) {
          outcomes.push({ ok: false, error });
          if (!this.outbox.db.inTransaction) fatal = error;
        }
      }
      if (fatal !== undefined) throw fatal;
    };
    try {
      const flusher = this.options.flusher;
      if (flusher) await this.outbox.transactionFlushed(runGroup, flusher);
      else this.outbox.transaction(runGroup);
    } catch (error) {
      if (error instanceof WalFlushError) {
        // Committed, but not confirmed on disk: the recordings are not answered as recorded.
        group.forEach((item, i) => {
          const o = outcomes[i] as Outcome;
          item.reject(o.ok ? error : o.error);
        });
        return;
      }
      // Nothing in this group reached the disk.
      for (const item of group) item.reject(fatal ?? error);
      return;
    }
    group.forEach((item, i) => {
      const o = outcomes[i] as Outcome;
      if (o.ok) item.resolve(o.value);
      else item.reject(o.error);
    });
  }
}
