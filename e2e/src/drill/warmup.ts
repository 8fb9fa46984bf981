/** The drill's warm-up: every register syncs one sale before the clock starts. */

/** What an agent's `GET /api/v1/queue` says, as far as the drill reads it. */
export interface QueueView {
  lastSeq: number;
  counts: { pending: number; acked: number; dead: number; unreplicated: number };
}

/** The registers (by id) whose agent has not answered yet, or has not had a sale acknowledged, or still has some pending. */
export function notYetSynced(queues: ReadonlyArray<readonly [string, QueueView | undefined]>): string[] {
  return queues.filter(([, q]) => !q || q.counts.acked === 0 || q.counts.pending > 0).map(([registerId]) => registerId);
}

/** Why the drill stops before its clock starts, and what the operator can change. */
export function warmupFailure(waiting: readonly string[], registers: number, timeoutSec: number): string {
  const named = waiting.slice(0, 5).join(", ") + (waiting.length > 5 ? ", …" : "");
  return (
    `${waiting.length} of ${registers} registers had not synced their first sale within ${timeoutSec} s (${named}): ` +
    "the machine may be too busy for this many agents; run fewer (--agents) or allow longer (--warmup)"
  );
}
