/**
 * Classifies what happened to every sale the drill's registers attempted, the way Jepsen's queue
 * checker does: compares what clients were told with what each region and each feed holds.
 */

export type OpOutcome =
  /** The agent answered 201: the event must reach every region exactly once. */
  | { kind: "acked"; eventId: string }
  /** No answer (agent killed mid-request, timeout); resolved later by retrying its Idempotency-Key. */
  | { kind: "unknown"; eventId?: string }
  /** A clear refusal (4xx, or 503 with nothing recorded): must not appear anywhere. */
  | { kind: "refused"; status: number };

export interface ClientOp {
  opId: string;
  agent: string;
  outcome: OpOutcome;
}

export interface RegionHoldings {
  region: string;
  /** eventId -> how many times the region's storage holds it. */
  stored: ReadonlyMap<string, number>;
  /** eventId -> how many times it appeared on the region's consumer feed. */
  feed: ReadonlyMap<string, number>;
}

export interface RegionVerdict {
  region: string;
  /** Answered 201 and missing here. */
  lost: string[];
  /** Held or served more than once. */
  duplicated: string[];
  /** Held here but recorded by no register's outbox. */
  unexpected: string[];
  /** The client never saw the answer, yet it is stored. */
  recovered: string[];
  /** Answered 201 and held exactly once. */
  ok: number;
}

export interface HistoryVerdict {
  regions: RegionVerdict[];
  acked: number;
  unknown: number;
  refused: number;
  valid: boolean;
}

export function checkHistory(
  ops: readonly ClientOp[],
  recordedByAgents: ReadonlySet<string>,
  regions: readonly RegionHoldings[],
): HistoryVerdict {
  const acked = new Set<string>();
  const unknownResolved = new Set<string>();
  let unknown = 0;
  let refused = 0;
  for (const op of ops) {
    if (op.outcome.kind === "acked") acked.add(op.outcome.eventId);
    else if (op.outcome.kind === "unknown") {
      unknown++;
      if (op.outcome.eventId) unknownResolved.add(op.outcome.eventId);
    } else refused++;
  }
  const verdicts = regions.map((r): RegionVerdict => {
    // A resolved unknown was answered 201 on retry: it is owed to every region like any ack.
    const lost = [...acked, ...unknownResolved].filter((id) => !r.stored.has(id) || !r.feed.has(id));
    const duplicated = [...new Set([...r.stored, ...r.feed].filter(([, n]) => n > 1).map(([id]) => id))];
    const unexpected = [...r.stored.keys()].filter((id) => !recordedByAgents.has(id));
    const recovered = [...unknownResolved].filter((id) => r.stored.has(id));
    const ok = [...acked].filter((id) => r.stored.get(id) === 1 && r.feed.get(id) === 1).length;
    return { region: r.region, lost, duplicated, unexpected, recovered, ok };
  });
  const valid = verdicts.every((v) => v.lost.length === 0 && v.duplicated.length === 0 && v.unexpected.length === 0);
  return { regions: verdicts, acked: acked.size, unknown, refused, valid };
}

/** Counts occurrences, for building RegionHoldings from lists read off a region. */
export function countIds(ids: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}
