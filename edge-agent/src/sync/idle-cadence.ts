/**
 * How long an idle register waits before asking its region's status again. Each read that tells
 * it nothing new doubles the wait, from `baseMs` up to `maxMs`; a read with news (something for
 * the register to do), or a manager's "sync now", brings it back to `baseMs`. A batch sent does
 * not: its answer carries the region's watermark, so a selling register need not ask as well. Two thousand idle registers asking every 5 s are 400 requests a
 * second for nothing; backed off to a minute, about 33.
 */
export class IdleCadence {
  private waitMs: number;
  /** Never below the base, whatever the settings say. */
  private readonly ceilingMs: number;

  constructor(
    private readonly baseMs: number,
    maxMs: number,
  ) {
    this.waitMs = baseMs / 2;
    this.ceilingMs = Math.max(maxMs, baseMs);
  }

  /** The wait before the next idle read, given whether the read just made told anything new. */
  next(readChangedSomething: boolean): number {
    this.waitMs = readChangedSomething ? this.baseMs : Math.min(this.ceilingMs, this.waitMs * 2);
    return this.waitMs;
  }

  /** A manager asked to sync now: the next idle reads come at the base pace again. */
  reset(): void {
    this.waitMs = this.baseMs / 2;
  }
}
