import { PeerCursorSchema } from "@tenderline/shared";
import type { Peer } from "../config/config.ts";
import type { Logger } from "../logging/logger.ts";
import type { Database } from "../storage/database.ts";
import { type LogEpoch, listEpochs, rotateEpoch } from "./log-epochs.ts";

/** What a peer's cursor into this log says about it: still ours, or proof that it was rewound. */
export type CursorVerdict = { kind: "consistent" } | { kind: "rewound"; why: string };

/**
 * Judges one peer's cursor into this log: a position in the current epoch whose record is not
 * here (or is another), or an epoch this log does not know (restored to before it began), means
 * records the peer read are gone.
 */
export async function judgePeerCursor(
  db: Database,
  epochs: readonly LogEpoch[],
  peer: string,
  seen: { epoch: string | null; cursor: number; cursorRecord: string | null },
): Promise<CursorVerdict> {
  if (seen.epoch === null || seen.cursor === 0) return { kind: "consistent" };
  const now = epochs.at(-1) as LogEpoch;
  if (!epochs.some((e) => e.epoch === seen.epoch)) {
    return {
      kind: "rewound",
      why: `peer ${peer} read this log in epoch ${seen.epoch}, which it no longer knows: restored to before it`,
    };
  }
  if (seen.epoch !== now.epoch || seen.cursorRecord === null) return { kind: "consistent" };
  const [row] = await db.query<{ record_id: string }>("SELECT record_id::text FROM records WHERE pos = $1", [seen.cursor]);
  if (row?.record_id === seen.cursorRecord) return { kind: "consistent" };
  return {
    kind: "rewound",
    why: `peer ${peer} had read this log up to position ${seen.cursor}, which ${row ? "now holds another record" : "is not in it"}: restored or lost its tail`,
  };
}

/**
 * Before a region takes writes, it asks each peer how far that peer has read its log. A peer that
 * read further than this log now goes proves the log was rewound: a new epoch starts before any
 * new record can reuse a position. Unreachable peers are skipped (logged); a rewind they would
 * have shown is found when they next pull. Returns the epoch started, if any.
 */
export async function checkLogAtStart(
  db: Database,
  peers: readonly Peer[],
  logger: Logger,
  timeoutMs = 2000,
): Promise<LogEpoch | null> {
  const epochs = await listEpochs(db);
  for (const peer of peers) {
    let seen: ReturnType<typeof PeerCursorSchema.parse>;
    try {
      const res = await fetch(new URL("/v1/replication/cursor", peer.url), {
        headers: { authorization: `Bearer ${peer.token}` },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.status !== 200) throw new Error(`answered ${res.status}`);
      seen = PeerCursorSchema.parse(await res.json());
    } catch (error) {
      logger.warn({ peer: peer.name, err: { message: (error as Error).message } }, "start-up log check: peer not asked");
      continue;
    }
    const verdict = await judgePeerCursor(db, epochs, peer.name, seen);
    if (verdict.kind === "rewound") {
      const epoch = await rotateEpoch(db, verdict.why, epochs.at(-1));
      logger.warn(
        { peer: peer.name, epoch: epoch.epoch, startsAfter: epoch.startsAfter, why: verdict.why },
        "log rewound: new epoch",
      );
      return epoch;
    }
  }
  return null;
}
