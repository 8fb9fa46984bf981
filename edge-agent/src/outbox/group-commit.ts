import type { Outbox } from "./outbox.ts";

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

interface Waiting {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for the HTTP path: the recordings that arrive in one turn of the event loop run in
 * one SQLite transaction, each in its own savepoint (a refused one rolls back alone), and one fsync
 * makes them all durable. Nobody is answered before that commit, so a 201 still means on disk.
 */
export class GroupCommit {
  private queue: Waiting[] = [];
  private scheduled = false;

  constructor(private readonly outbox: Outbox) {}

  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const group = this.queue;
    this.queue = [];
    const outcomes: Outcome[] = [];
    // An error that ended the whole transaction (SQLite may roll back everything on a full disk).
    let fatal: unknown;
    try {
      this.outbox.transaction(() => {
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
      });
    } catch (error) {
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
