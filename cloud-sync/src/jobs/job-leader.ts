import type { Logger } from "../logging/logger.ts";
import type { Database } from "../storage/database.ts";
import type { SessionLock } from "../storage/session-lock.ts";

/** What a job's timer asks before each round. */
export interface Leadership {
  isLeader(): boolean;
}

export interface JobLeaderOptions {
  /** How often a follower tries to take the lock, and a leader checks its session. Default 1000 ms. */
  retryMs?: number;
  logger?: Logger;
}

export const DEFAULT_LEADER_RETRY_MS = 1000;

/**
 * Leadership of one named job among the instances of a region over one database: whoever holds
 * the job's session lock (storage/session-lock.ts) leads; the others retry every `retryMs`. When
 * the leader dies, its session closes, the server frees the lock and a follower takes it at its
 * next try: within `retryMs` plus the time the server takes to notice the closed connection
 * (at once for a killed process; TCP keepalive for a host that vanished). A leader whose session
 * check fails steps down at once. A round already running when leadership moves finishes: the
 * jobs are idempotent, so an overlap of one round costs work, not correctness.
 */
export class JobLeader implements Leadership {
  private leading = false;
  private timer: NodeJS.Timeout | undefined;
  private attempt: Promise<void> | undefined;
  private stopped = false;

  constructor(
    readonly job: string,
    private readonly lock: SessionLock,
    private readonly options: JobLeaderOptions = {},
  ) {}

  /** Starts contending (the first try at once); idempotent. */
  start(): this {
    if (this.timer || this.stopped) return this;
    this.timer = setInterval(() => void this.tryOnce(), this.options.retryMs ?? DEFAULT_LEADER_RETRY_MS);
    void this.tryOnce();
    return this;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** One try (or check) now; resolves with whether this instance leads. */
  async tryOnce(): Promise<boolean> {
    if (this.stopped) return false;
    this.attempt ??= this.lock.tryHold().then((held) => {
      this.attempt = undefined;
      if (this.stopped) return;
      if (held !== this.leading) {
        this.options.logger?.info({ job: this.job }, held ? "leads background job" : "stepped down from background job");
      }
      this.leading = held;
    });
    await this.attempt;
    return this.leading;
  }

  /** Stops contending and gives the lock up (a follower takes it at its next try). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.attempt;
    this.leading = false;
    await this.lock.release();
  }
}

/** The jobs one instance contends for, on one database: one lock per job, so they may lead on different instances. */
export class JobLeaders {
  private readonly leaders = new Map<string, JobLeader>();

  constructor(
    private readonly db: Database,
    private readonly options: JobLeaderOptions = {},
  ) {}

  /** The leader of `job` (started on first use). */
  leader(job: string): JobLeader {
    let leader = this.leaders.get(job);
    if (!leader) {
      leader = new JobLeader(job, this.db.sessionLock(job), this.options).start();
      this.leaders.set(job, leader);
    }
    return leader;
  }

  /** The jobs this instance leads now (the operator health's `leads`). */
  leads(): string[] {
    return [...this.leaders.values()].filter((l) => l.isLeader()).map((l) => l.job);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.leaders.values()].map((l) => l.stop()));
    this.leaders.clear();
  }
}
