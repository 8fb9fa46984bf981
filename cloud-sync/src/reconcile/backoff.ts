/**
 * When to ask the processor again about a tender it has not settled yet: doubling from `baseMs`
 * up to `maxMs`, and never later than the deadline itself, when the final answer is due.
 */
export function nextAttemptAt(now: number, attempts: number, deadline: number, baseMs = 60_000, maxMs = 6 * 3_600_000): number {
  const wait = Math.min(maxMs, baseMs * 2 ** Math.min(attempts, 30));
  return Math.min(now + wait, Math.max(deadline, now + 1));
}
