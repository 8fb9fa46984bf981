import type { Watermark } from "@tenderline/shared";
import type { Database, Queryable } from "../storage/database.ts";
import { type Candidate, type Classified, classifyBatch, type IngestResult } from "./classify-batch.ts";
import { type NewRecord, storeRecords } from "./store-records.ts";
import {
  type AlsoRun,
  advanceWatermarks,
  extendContiguousRun,
  extendsContiguousRun,
  gapsOf,
  lockRegisters,
  type RegisterKey,
  type RegisterState,
  readRegisterState,
  touchRegister,
} from "./watermark.ts";

export interface IngestInput {
  storeId: string;
  registerId: string;
  events: readonly unknown[];
  /** The events already classified (on a worker thread); classified here when absent. */
  classified?: Classified;
}

export interface IngestOutput {
  region: string;
  results: IngestResult[];
  watermark: Watermark;
}

/** How replicatedSeq is known; the replication module provides the real one, a lone region has none. */
export interface ReplicatedSeqSource {
  replicatedSeq(db: Queryable, key: RegisterKey, contiguousSeq: number): Promise<number>;
}

export const singleRegion: ReplicatedSeqSource = {
  replicatedSeq: async (_db, _key, contiguousSeq) => contiguousSeq,
};

export function eventRecord(candidate: Candidate, region: string): NewRecord {
  const e = candidate.event;
  return {
    recordId: candidate.eventId,
    kind: "event",
    originRegion: region,
    hash: candidate.hash,
    body: candidate.body,
    storeId: e.storeId,
    registerId: e.registerId,
    seq: e.seq,
    eventType: e.type,
    subjectEventId: null,
    tenderId: null,
  };
}

/**
 * One batch from one register, in one transaction: every event ends accepted, duplicate or
 * rejected with its reason, and the answer carries the register's watermark. The caller has
 * already checked the token may write `storeId` and that every event claims that store.
 */
export async function ingestBatch(
  db: Database,
  region: string,
  input: IngestInput,
  replication: ReplicatedSeqSource = singleRegion,
): Promise<IngestOutput> {
  const { results, candidates } = input.classified ?? classifyBatch(input.registerId, input.events);
  const key = { storeId: input.storeId, registerId: input.registerId };
  return db.transaction(async (tx) => {
    // Held under the register's lock: no other batch of this register changes it meanwhile.
    let held: RegisterState | undefined;
    let allAccepted = false;
    if (candidates.length > 0) {
      await lockRegisters(tx, [key]);
      held = await readRegisterState(tx, key);
      const likelyNew = candidates.every((c) => c.event.seq > (held?.maxSeq ?? 0));
      const outcomes = await storeRecords(
        tx,
        candidates.map((c) => eventRecord(c, region)),
        { likelyNew },
      );
      outcomes.forEach((outcome, i) => {
        const c = candidates[i] as Candidate;
        results[c.index] = { index: c.index, eventId: c.eventId, ...outcome };
      });
      allAccepted = outcomes.every((o) => o.status === "accepted");
    }
    const final = results as IngestResult[];
    const seqs = candidates.map((c) => c.event.seq);
    // The usual batch extends its register's run: its outcome count rides in the same round trip.
    const extending = allAccepted && held !== undefined && extendsContiguousRun(held, seqs);
    let state: RegisterState;
    if (!final.some((r) => r.status === "accepted")) state = await touchRegister(tx, key);
    else {
      const extended =
        extending && held
          ? await extendContiguousRun(tx, held, seqs, countOutcomesStatement(input.storeId, final, 5))
          : undefined;
      state = extended ?? ((await advanceWatermarks(tx, [key], true))[0] as RegisterState);
    }
    if (!extending) await countOutcomes(tx, input.storeId, final);
    return {
      region,
      results: final,
      watermark: {
        contiguousSeq: state.contiguousSeq,
        replicatedSeq: await replication.replicatedSeq(tx, key, state.contiguousSeq),
        gaps: await gapsOf(tx, state),
      },
    };
  });
}

/** The per-store, per-minute outcome counters' upsert, its placeholders from $`first`. */
function countOutcomesStatement(storeId: string, results: readonly IngestResult[], first: number): AlsoRun {
  let accepted = 0;
  let duplicates = 0;
  let conflicts = 0;
  let rejected = 0;
  for (const r of results) {
    if (r.status === "accepted") accepted++;
    else if (r.status === "duplicate") duplicates++;
    else if (r.reason === "conflict" || r.reason === "seq_conflict") conflicts++;
    else rejected++;
  }
  const p = (i: number) => `$${first + i}`;
  return {
    sql: `INSERT INTO ingest_outcomes (store_id, minute, accepted, duplicates, conflicts, rejected)
     VALUES (${p(0)}, date_trunc('minute', now()), ${p(1)}, ${p(2)}, ${p(3)}, ${p(4)})
     ON CONFLICT (store_id, minute) DO UPDATE SET
       accepted = ingest_outcomes.accepted + EXCLUDED.accepted,
       duplicates = ingest_outcomes.duplicates + EXCLUDED.duplicates,
       conflicts = ingest_outcomes.conflicts + EXCLUDED.conflicts,
       rejected = ingest_outcomes.rejected + EXCLUDED.rejected`,
    params: [storeId, accepted, duplicates, conflicts, rejected],
  };
}

async function countOutcomes(tx: Queryable, storeId: string, results: readonly IngestResult[]): Promise<void> {
  const { sql, params } = countOutcomesStatement(storeId, results, 1);
  await tx.query(sql, params);
}
