/**
 * Events leaving the pending state per second, from successive queue readings. "Processed" is
 * lastSeq minus pending: it only grows (pruned rows were processed long ago), so the rate stays
 * right while new sales keep arriving and while old rows are pruned.
 */
export class DrainRate {
  private samples: Array<{ at: number; processed: number }> = [];

  constructor(
    private readonly windowMs = 10_000,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Adds a reading and returns events per second over the window, or null with fewer than two readings. */
  sample(lastSeq: number, pending: number): number | null {
    const at = this.clock();
    this.samples.push({ at, processed: lastSeq - pending });
    while (this.samples.length > 2 && at - (this.samples[1] as { at: number }).at >= this.windowMs) this.samples.shift();
    const first = this.samples[0] as { at: number; processed: number };
    const seconds = (at - first.at) / 1000;
    if (this.samples.length < 2 || seconds <= 0) return null;
    return Math.max(0, (lastSeq - pending - first.processed) / seconds);
  }
}
