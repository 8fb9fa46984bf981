/** How long a register took to fail over, counted only while it could have: the drill's per-register figure. */

export interface FailoverWindow {
  /** When region A was killed (ms since the epoch). */
  killedAt: number;
  /** When the register's store was cut off from every region and restored, if it was. */
  storeCut?: { from: number; to: number } | undefined;
}

/**
 * Seconds from the moment the register had something to send to a dead region A (the kill, or its
 * first sale after it) to the first of its events region B took, less any part of that time its
 * store was cut off: no engine reaches a region through a cut link, so that wait measures the
 * drill's fault, not failover.
 */
export function failoverSeconds(first: { ackedAt: number; recordedAt: number }, window: FailoverWindow): number {
  const from = Math.max(window.killedAt, first.recordedAt);
  let waited = first.ackedAt - from;
  const cut = window.storeCut;
  if (cut) {
    const overlap = Math.min(first.ackedAt, cut.to) - Math.max(from, cut.from);
    if (overlap > 0) waited -= overlap;
  }
  return Math.max(0, waited) / 1000;
}
