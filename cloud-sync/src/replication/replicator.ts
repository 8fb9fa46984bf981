import { ErrorBodySchema, type LogEpochChanged, LogEpochChangedSchema } from "@tenderline/shared";
import type { Peer } from "../config/config.ts";
import type { ReplicatedSeqSource } from "../ingest/ingest-batch.ts";
import type { Leadership } from "../jobs/job-leader.ts";
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Database, Queryable } from "../storage/database.ts";
import { applyPage, recordPullFailure } from "./apply-page.ts";
import { type CredentialPullSummary, pullCredentials } from "./credential-pull.ts";
import { currentEpoch } from "./log-epochs.ts";
import { type LogPage, LogPageSchema } from "./log-page.ts";
import { restartPeer } from "./peer-restart.ts";
import { PullError } from "./pull-error.ts";

export { PullError };

export interface PeerStatus {
  name: string;
  cursor: number;
  peerHead: number;
  lagEvents: number;
  lagMs: number;
  lastSuccessAt: string | null;
  lastError: string | null;
}

export interface PullSummary {
  peer: string;
  pages: number;
  accepted: number;
  duplicate: number;
  rejected: number;
  /** Times the peer said its log was rewound and it was re-scanned from 0. */
  rescans?: number;
  error?: string;
  /** The peer's credential records (revocations, rotations) pulled in the same round. */
  credentials?: CredentialPullSummary;
}

/**
 * Pulls every peer's log by cursor over HTTP (with the region token that peer issued us) and
 * applies it idempotently. Several instances of one region may pull at once: applying is
 * idempotent and cursors only move forward.
 */
export class Replicator implements ReplicatedSeqSource {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly db: Database,
    readonly region: string,
    private readonly peers: readonly Peer[],
    private readonly options: {
      batch: number;
      intervalMs: number;
      timeoutMs?: number;
      logger?: Logger;
      metrics?: Metrics;
      /** Called when a peer's credential records changed something here (revocations take effect at once). */
      onCredentialsChanged?: () => void;
    },
  ) {}

  /** Pulls each peer until caught up (or failing); never throws for an unreachable peer. */
  async pullAll(): Promise<PullSummary[]> {
    const results: PullSummary[] = [];
    for (const peer of this.peers) {
      // Credentials first: a revocation should not wait behind a long backlog of events.
      const credentials = await pullCredentials(this.db, peer, { timeoutMs: this.options.timeoutMs ?? 10_000 });
      if (credentials.changed > 0) this.options.onCredentialsChanged?.();
      if (credentials.error) {
        this.options.logger?.warn({ peer: peer.name, err: { message: credentials.error } }, "credential pull failed");
      }
      results.push({ ...(await this.pullPeer(peer)), credentials });
    }
    await this.refreshLagMetrics();
    return results;
  }

  async pullPeer(peer: Peer): Promise<PullSummary> {
    const summary: PullSummary = { peer: peer.name, pages: 0, accepted: 0, duplicate: 0, rejected: 0 };
    try {
      // After this log was rewound (a new epoch), the peer's whole log is pulled once, records that
      // came from here included: that is how this region gets back what it lost.
      const ours = await currentEpoch(this.db);
      let cursor: number | null = null;
      for (;;) {
        const [row] = await this.db.query<{
          cursor: number;
          epoch: string | null;
          cursor_record: string | null;
          healed_epoch: string | null;
        }>("SELECT cursor, epoch, cursor_record, healed_epoch FROM peer_cursors WHERE peer = $1", [peer.name]);
        const heal = ours.n > 1 && row?.healed_epoch !== ours.epoch;
        // Healing walks the peer's log from 0 by its own cursor (the saved one is further on).
        cursor ??= heal ? 0 : Number(row?.cursor ?? 0);
        const record = cursor === Number(row?.cursor ?? 0) ? (row?.cursor_record ?? null) : null;
        const fetched = await this.fetchPage(peer, cursor, { epoch: row?.epoch ?? null, cursor_record: record }, heal);
        if (fetched.kind === "epoch_changed") {
          summary.rescans = (summary.rescans ?? 0) + 1;
          if (summary.rescans > 3)
            throw new PullError(peer.name, "its log keeps changing epoch; not re-scanning it again this round");
          await restartPeer(this.db, peer.name, fetched.changed.epoch);
          cursor = 0;
          this.options.logger?.warn(
            { peer: peer.name, epoch: fetched.changed.epoch, startsAfter: fetched.changed.startsAfter },
            "the peer's log was rewound (a restore, or a database that lost its tail): re-scanning it from 0",
          );
          continue;
        }
        const page = fetched.page;
        const applied = await applyPage(this.db, peer.name, page);
        summary.pages++;
        summary.accepted += applied.accepted;
        summary.duplicate += applied.duplicate;
        summary.rejected += applied.rejected;
        for (const outcome of ["accepted", "duplicate", "rejected"] as const) {
          if (applied[outcome] > 0) this.options.metrics?.replicatedRecords.inc({ peer: peer.name, outcome }, applied[outcome]);
        }
        if (page.nextCursor <= cursor || page.nextCursor >= page.head) {
          // Healed: caught up with the peer's whole log, records that came from here included.
          if (heal) await this.db.query("UPDATE peer_cursors SET healed_epoch = $2 WHERE peer = $1", [peer.name, ours.epoch]);
          break;
        }
        cursor = page.nextCursor;
      }
    } catch (error) {
      const message = (error as Error).message;
      summary.error = message;
      await recordPullFailure(this.db, peer.name, message);
      this.options.logger?.warn({ peer: peer.name, err: { message } }, "replication pull failed");
    }
    return summary;
  }

  private async fetchPage(
    peer: Peer,
    cursor: number,
    at: { epoch: string | null; cursor_record: string | null } | null,
    heal: boolean,
  ): Promise<{ kind: "page"; page: LogPage } | { kind: "epoch_changed"; changed: LogEpochChanged }> {
    const url = new URL("/v1/replication/log", peer.url);
    url.searchParams.set("after", String(cursor));
    url.searchParams.set("limit", String(this.options.batch));
    if (at?.epoch) url.searchParams.set("epoch", at.epoch);
    if (at?.cursor_record && cursor > 0) url.searchParams.set("afterRecord", at.cursor_record);
    if (heal) url.searchParams.set("includeOwn", "1");
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { authorization: `Bearer ${peer.token}` },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new PullError(peer.name, `unreachable (${(error as Error).message})`);
    }
    if (res.status === 409) {
      const body = ErrorBodySchema.safeParse(await res.json());
      const changed = LogEpochChangedSchema.safeParse(body.success ? body.data.details : undefined);
      if (body.success && body.data.error === "log_epoch_changed" && changed.success)
        return { kind: "epoch_changed", changed: changed.data };
      throw new PullError(peer.name, `answered 409: ${body.success ? body.data.message : "not an error body"}`);
    }
    if (res.status !== 200) throw new PullError(peer.name, `answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    const parsed = LogPageSchema.safeParse(await res.json());
    if (!parsed.success) throw new PullError(peer.name, "answered with something that is not a log page");
    return { kind: "page", page: parsed.data };
  }

  /** Each peer's cursor and lag: events it holds that we have not pulled, and for how long. */
  async peerStatus(now = Date.now()): Promise<PeerStatus[]> {
    const rows = await this.db.query<{
      peer: string;
      cursor: number;
      peer_head: number;
      lag_events: number;
      pending_since: Date | string | null;
      last_success_at: Date | string | null;
      last_error: string | null;
    }>("SELECT peer, cursor, peer_head, lag_events, pending_since, last_success_at, last_error FROM peer_cursors");
    const byName = new Map(rows.map((r) => [r.peer, r]));
    return this.peers.map((p) => {
      const r = byName.get(p.name);
      const pendingSince = r?.pending_since ? new Date(r.pending_since).getTime() : null;
      const lastSuccess = r?.last_success_at ? new Date(r.last_success_at).getTime() : null;
      // Behind by the age of the oldest record not pulled; a peer never reached is behind since we started.
      let lagMs =
        pendingSince !== null ? Math.max(0, now - pendingSince) : lastSuccess === null ? Math.max(0, now - this.startedAt) : 0;
      // Out of touch: whatever the peer took since our last good pull is unknown, so the lag is at least that long.
      if (r?.last_error && lastSuccess !== null) lagMs = Math.max(lagMs, now - lastSuccess);
      return {
        name: p.name,
        cursor: Number(r?.cursor ?? 0),
        peerHead: Number(r?.peer_head ?? 0),
        lagEvents: Number(r?.lag_events ?? 0),
        lagMs,
        lastSuccessAt: lastSuccess === null ? null : new Date(lastSuccess).toISOString(),
        lastError: r?.last_error ?? null,
      };
    });
  }

  async refreshLagMetrics(): Promise<PeerStatus[]> {
    const status = await this.peerStatus();
    for (const s of status) {
      this.options.metrics?.replicationLagEvents.set({ peer: s.name }, s.lagEvents);
      this.options.metrics?.replicationLagSeconds.set({ peer: s.name }, s.lagMs / 1000);
    }
    return status;
  }

  /** replicatedSeq: the highest n with 1..n held here and by every peer (as far as we have learnt). */
  async replicatedSeq(db: Queryable, key: { storeId: string; registerId: string }, contiguousSeq: number): Promise<number> {
    if (this.peers.length === 0) return contiguousSeq;
    const rows = await db.query<{ peer: string; contiguous_seq: number }>(
      "SELECT peer, contiguous_seq FROM peer_watermarks WHERE store_id = $1 AND register_id = $2 AND peer = ANY($3::text[])",
      [key.storeId, key.registerId, this.peers.map((p) => p.name)],
    );
    const byPeer = new Map(rows.map((r) => [r.peer, Number(r.contiguous_seq)]));
    return Math.min(contiguousSeq, ...this.peers.map((p) => byPeer.get(p.name) ?? 0));
  }

  /**
   * Pulls on a timer. With `leader`, a round runs only while this instance leads replication
   * (jobs/job-leader.ts): one instance of a region pulls its peers, the others' ticks do nothing.
   */
  start(leader?: Leadership): void {
    if (this.peers.length === 0 || this.timer) return;
    const tick = () => {
      if (this.running || (leader && !leader.isLeader())) return;
      this.running = this.pullAll()
        .catch((error: unknown) =>
          this.options.logger?.error({ err: { message: (error as Error).message } }, "replication round failed"),
        )
        .finally(() => {
          this.running = undefined;
        });
    };
    this.timer = setInterval(tick, this.options.intervalMs);
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
