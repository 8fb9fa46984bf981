/**
 * How long an idle register waits before asking its region's status again. Each read that tells
 * it nothing new doubles the wait, from `baseMs` up to `maxMs`; a read with news, or a batch sent,
 * brings it back to `baseMs`. Two thousand idle registers asking every 5 s are 400 requests a
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

  /** Something was sent (or a manager asked): the next idle reads come at the base pace again. */
  reset(): void {
    this.waitMs = this.baseMs / 2;
  }
}
