/**
 * The log's readers and its digest, on PostgreSQL (issue 20):
 *
 * - Appends with a feed reader beside them: lanes append batches of records (the region's
 *   storeRecords under its append lock) while a reader follows the log up to the committed horizon
 *   continuously. Three modes take turns in rounds: appends alone (the baseline), with a reader
 *   finding the horizon as the region does now (committedHorizon: no lock that appends wait on),
 *   and with a reader taking the append lock exclusively for a moment as the region did before.
 *   Target: appends with the reader at least 0.9 of appends alone.
 * - The digest at BENCH_DIGEST_EVENTS (default 1,000,000) events over BENCH_DIGEST_REGISTERS
 *   registers: the kept digest read (computeDigest) against the scan the region did before
 *   (string_agg over the whole log) and scanDigest (the kept digest recomputed from the log).
 *
 *   BENCH_APPEND_EVENTS=60000 BENCH_DIGEST_EVENTS=1000000 BENCH_OUT=out.json
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { committedHorizon } from "../src/ingest/log-order.ts";
import { type NewRecord, storeRecords } from "../src/ingest/store-records.ts";
import { computeDigest, scanDigest } from "../src/replication/digest.ts";
import type { Database } from "../src/storage/database.ts";
import { openDatabase } from "../src/storage/open-database.ts";
import { createPgTestDatabase } from "../src/testing/test-databases.ts";

const APPEND_EVENTS = Number(process.env.BENCH_APPEND_EVENTS ?? 60_000);
const APPEND_BATCH = 500;
const LANES = Number(process.env.BENCH_CONCURRENCY ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const DIGEST_EVENTS = Number(process.env.BENCH_DIGEST_EVENTS ?? 1_000_000);
const DIGEST_REGISTERS = Number(process.env.BENCH_DIGEST_REGISTERS ?? 2000);

/** A record shaped like a register's sale in the log (a body of a typical size). */
function record(registerId: string, seq: number): NewRecord {
  const id = randomUUID();
  const body = JSON.stringify({
    eventId: id,
    registerId,
    seq,
    type: "sale",
    lines: [{ sku: "SKU-1", quantity: 1, unitPrice: 1299 }],
    pad: "x".repeat(600),
  });
  return {
    recordId: id,
    kind: "event",
    originRegion: "bench",
    hash: id.replace(/-/g, "").padEnd(64, "0"),
    body,
    storeId: "bench",
    registerId,
    seq,
    eventType: "sale",
    subjectEventId: null,
    tenderId: null,
  };
}

const nextSeq = new Map<string, number>();
function batchFor(registerId: string, size: number): NewRecord[] {
  const from = nextSeq.get(registerId) ?? 0;
  nextSeq.set(registerId, from + size);
  return Array.from({ length: size }, (_, i) => record(registerId, from + i + 1));
}

/** The horizon as the region found it before issue 20: the append lock taken exclusively for a moment. */
async function horizonByExclusiveLock(db: Database): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [74_310_002]);
    const [row] = await tx.query<{ head: string | null }>("SELECT max(pos) AS head FROM records");
    return Number(row?.head ?? 0);
  });
}

type ReaderMode = "alone" | "reader" | "reader-exclusive-lock";

/** Appends `events` in batches over LANES lanes; a reader follows the log meanwhile unless alone. Returns events/s. */
async function appendRound(
  writer: Database,
  reader: Database,
  events: number,
  mode: ReaderMode,
): Promise<{ rate: number; read: number }> {
  let appending = true;
  let read = 0;
  const following =
    mode === "alone"
      ? Promise.resolve()
      : (async () => {
          const [start] = await reader.query<{ head: string | null }>("SELECT max(pos) AS head FROM records");
          let cursor = Number(start?.head ?? 0);
          const horizon = mode === "reader" ? committedHorizon : horizonByExclusiveLock;
          while (appending) {
            const head = await horizon(reader);
            const rows = await reader.query<{ pos: string; body: string }>(
              "SELECT pos, body FROM records WHERE pos > $1 AND pos <= $2 ORDER BY pos LIMIT 500",
              [cursor, head],
            );
            for (const r of rows) JSON.parse(r.body);
            read += rows.length;
            const last = rows.at(-1);
            if (last) cursor = Number(last.pos);
          }
        })();
  const batches = Math.ceil(events / APPEND_BATCH);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: LANES }, async (_, lane) => {
      for (let i = lane; i < batches; i += LANES) {
        const rows = batchFor(`lane-${lane}`, APPEND_BATCH);
        await writer.transaction((tx) => storeRecords(tx, rows, { likelyNew: true }));
      }
    }),
  );
  const ms = performance.now() - started;
  appending = false;
  await following;
  return { rate: Math.round((batches * APPEND_BATCH * 1000) / ms), read };
}

async function appendsBesideReader() {
  const pg = await createPgTestDatabase("bench_reader");
  const writer = await openDatabase({ databaseUrl: pg.url, poolSize: LANES + 1 });
  const reader = await openDatabase({ databaseUrl: pg.url, poolSize: 2 });
  try {
    const totals: Record<ReaderMode, { events: number; ms: number; read: number }> = {
      alone: { events: 0, ms: 0, read: 0 },
      reader: { events: 0, ms: 0, read: 0 },
      "reader-exclusive-lock": { events: 0, ms: 0, read: 0 },
    };
    await appendRound(writer, reader, APPEND_BATCH * LANES * 2, "alone"); // warm-up
    const perRound = Math.ceil(APPEND_EVENTS / ROUNDS);
    for (let r = 0; r < ROUNDS; r++) {
      // Turns, in a different order each round: a burst of outside load weighs on every mode.
      const order: ReaderMode[] =
        r % 2 === 0 ? ["alone", "reader", "reader-exclusive-lock"] : ["reader-exclusive-lock", "reader", "alone"];
      for (const mode of order) {
        const { rate, read } = await appendRound(writer, reader, perRound, mode);
        totals[mode].events += perRound;
        totals[mode].ms += (perRound / rate) * 1000;
        totals[mode].read += read;
      }
    }
    const rate = (m: ReaderMode) => Math.round((totals[m].events / totals[m].ms) * 1000);
    return {
      eventsPerMode: totals.alone.events,
      lanes: LANES,
      appendsAloneEventsPerSec: rate("alone"),
      appendsWithReaderEventsPerSec: rate("reader"),
      appendsWithExclusiveLockReaderEventsPerSec: rate("reader-exclusive-lock"),
      readerEventsRead: totals.reader.read,
      ratioWithReader: rate("reader") / rate("alone"),
      ratioWithExclusiveLockReader: rate("reader-exclusive-lock") / rate("alone"),
      target: "appends with a reader beside them >= 0.9 of appends alone",
    };
  } finally {
    await writer.close();
    await reader.close();
    await pg.drop();
  }
}

async function digestAtScale() {
  const pg = await createPgTestDatabase("bench_digest");
  const db = await openDatabase({ databaseUrl: pg.url, poolSize: LANES + 1 });
  try {
    const perBatch = 5000;
    const batches = Math.ceil(DIGEST_EVENTS / perBatch);
    const fillStarted = performance.now();
    let done = 0;
    await Promise.all(
      Array.from({ length: LANES }, async (_, lane) => {
        for (let b = lane; b < batches; b += LANES) {
          // Each batch spreads over the registers: 1M events end as DIGEST_REGISTERS registers' histories.
          const rows: NewRecord[] = [];
          for (let i = 0; i < perBatch && b * perBatch + i < DIGEST_EVENTS; i++) {
            const n = b * perBatch + i;
            rows.push(record(`reg-${n % DIGEST_REGISTERS}`, Math.floor(n / DIGEST_REGISTERS) + 1));
          }
          await db.transaction((tx) => storeRecords(tx, rows, { likelyNew: true }));
          done += rows.length;
          if (done % 200_000 < perBatch) process.stdout.write(`\r  digest: ${done} events stored   `);
        }
      }),
    );
    const fillSec = (performance.now() - fillStarted) / 1000;
    process.stdout.write("\n");
    await db.query("ANALYZE records");
    const time = async <T>(fn: () => Promise<T>, times: number): Promise<{ ms: number; value: T }> => {
      let value: T | undefined;
      const started = performance.now();
      for (let i = 0; i < times; i++) value = await fn();
      return { ms: (performance.now() - started) / times, value: value as T };
    };
    const kept = await time(() => computeDigest(db), 5);
    const scanned = await time(() => scanDigest(db), 1);
    if (JSON.stringify(kept.value) !== JSON.stringify(scanned.value))
      throw new Error("the kept digest differs from the log's: the benchmark's data or the digest is wrong");
    // What /v1/digest ran before issue 20: a string_agg over every event, in seq order.
    const before = await time(
      () =>
        db.query(
          `SELECT store_id, register_id, count(*)::int AS n, encode(sha256(convert_to(string_agg(content_hash, ',' ORDER BY seq), 'UTF8')), 'hex') AS h
           FROM records WHERE kind = 'event' GROUP BY store_id, register_id`,
        ),
      1,
    );
    return {
      events: DIGEST_EVENTS,
      registers: DIGEST_REGISTERS,
      fillEventsPerSec: Math.round(DIGEST_EVENTS / fillSec),
      keptDigestMs: Math.round(kept.ms * 10) / 10,
      logScanDigestMs: Math.round(before.ms),
      recomputedFromLogMs: Math.round(scanned.ms),
      speedupOverLogScan: Math.round(before.ms / kept.ms),
    };
  } finally {
    await db.close();
    await pg.drop();
  }
}

export async function logBenches() {
  console.log(`\npostgres: appends (${LANES} lanes, batches of ${APPEND_BATCH}) with a feed reader beside them`);
  const appends = await appendsBesideReader();
  console.log(
    `  appends alone ${appends.appendsAloneEventsPerSec} ev/s; with a reader ${appends.appendsWithReaderEventsPerSec} ev/s (${appends.ratioWithReader.toFixed(2)} of alone, target >= 0.9); with a reader taking the lock exclusively (before) ${appends.appendsWithExclusiveLockReaderEventsPerSec} ev/s (${appends.ratioWithExclusiveLockReader.toFixed(2)})`,
  );
  console.log(`\npostgres: the digest at ${DIGEST_EVENTS} events over ${DIGEST_REGISTERS} registers`);
  const digest = await digestAtScale();
  console.log(
    `  kept digest ${digest.keptDigestMs} ms; scanning the log (before) ${digest.logScanDigestMs} ms (${digest.speedupOverLogScan}x); recomputed from the log ${digest.recomputedFromLogMs} ms; stored at ${digest.fillEventsPerSec} ev/s`,
  );
  return { appendsBesideReader: appends, digest };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await logBenches();
  if (process.env.BENCH_OUT)
    (await import("node:fs")).writeFileSync(process.env.BENCH_OUT, `${JSON.stringify(figures, null, 2)}\n`);
}
