import type { Database } from "../storage/database.ts";

export type DatabaseReachability = { ok: true } | { ok: false; reason: string };

/** How long one ping's answer stands for every health check after it. */
export const DATABASE_HEALTH_FRESH_MS = 500;

/**
 * Whether the region's database answers, for `/v1/health`. Every caller at once (a load balancer
 * checking each instance twice a second, thousands of registers probing) shares one ping, and a
 * ping that answered stands for DATABASE_HEALTH_FRESH_MS: the health of a region under load costs
 * it one round trip per half second, not one per caller. A failed ping is not reused: the next
 * caller pings again, so one slow moment under load is not told to every register and both
 * balancer checks at once (which took a whole region out of rotation in the fleet drill).
 */
export class DatabaseHealth {
  private inFlight: Promise<DatabaseReachability> | undefined;
  private last: { at: number; answer: DatabaseReachability } | undefined;

  constructor(
    private readonly db: Pick<Database, "ping">,
    private readonly freshMs = DATABASE_HEALTH_FRESH_MS,
    private readonly clock: () => number = Date.now,
  ) {}

  check(): Promise<DatabaseReachability> {
    if (this.last && this.clock() - this.last.at < this.freshMs) return Promise.resolve(this.last.answer);
    this.inFlight ??= this.ping().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async ping(): Promise<DatabaseReachability> {
    const at = this.clock();
    let answer: DatabaseReachability;
    try {
      await this.db.ping();
      answer = { ok: true };
    } catch (error) {
      answer = { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
    this.last = answer.ok ? { at, answer } : undefined;
    return answer;
  }
}
