import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createApp } from "../api/app.ts";
import { addCredentialRoutes } from "../api/credential-routes.ts";
import { addRegionRoutes } from "../api/region-routes.ts";
import { CredentialIssuer } from "../auth/credential-issuer.ts";
import { importIssuerKey, publicHalf, TrustedKeys } from "../auth/credential-keys.ts";
import { createPrincipalResolver } from "../auth/principal-resolver.ts";
import { seedTokens } from "../auth/tokens.ts";
import type { RegionConfig } from "../config/config.ts";
import { ClassifyPool } from "../ingest/classify-pool.ts";
import { JobLeaders } from "../jobs/job-leader.ts";
import { RegionJobs } from "../jobs/region-jobs.ts";
import { createLogger, type Logger } from "../logging/logger.ts";
import { createMetrics } from "../metrics/metrics.ts";
import { HttpTenderAuthority } from "../processor/http-tender-authority.ts";
import { Reconciler } from "../reconcile/reconciler.ts";
import { pullCredentials } from "../replication/credential-pull.ts";
import { currentEpoch } from "../replication/log-epochs.ts";
import { Replicator } from "../replication/replicator.ts";
import { checkLogAtStart } from "../replication/startup-check.ts";
import type { Database } from "../storage/database.ts";
import { openDatabase } from "../storage/open-database.ts";
import { sealedResolver } from "../stored-value/keys.ts";

export interface RunningRegion {
  port: number;
  db: Database;
  logger: Logger;
  replicator: Replicator;
  jobs: RegionJobs;
  close(): Promise<void>;
}

/**
 * Opens the database (migrating it), seeds configured tokens, wires replication, reconciliation,
 * refund validation and anomaly rules, serves the region API and (unless turned off) starts the
 * background timers.
 */
export async function startRegion(config: RegionConfig): Promise<RunningRegion> {
  const logger = createLogger(config.region, config.logLevel);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.poolSize });
  if (config.bootstrapTokens) await seedTokens(db, config.bootstrapTokens);
  const metrics = createMetrics(config.region);
  const issuerJwk = config.credentialIssuerKey;
  const trustedKeys = await TrustedKeys.from([...config.credentialTrustedKeys, ...(issuerJwk ? [publicHalf(issuerJwk)] : [])]);
  const issuer = issuerJwk ? new CredentialIssuer(db, config.region, await importIssuerKey(issuerJwk)) : undefined;
  const principals = createPrincipalResolver(db, {
    region: config.region,
    ...(trustedKeys.size > 0 ? { trustedKeys } : {}),
    refreshMs: config.credentialRefreshMs,
    logger,
  });
  const replicator = new Replicator(db, config.region, config.peers, {
    batch: config.replicationBatch,
    intervalMs: config.replicationIntervalMs,
    logger,
    metrics,
    onCredentialsChanged: () => principals.invalidate(),
  });
  // Revocations made while this region was down are learnt before it takes a request (peers that
  // do not answer within a moment are left to the first replication round).
  await Promise.all(config.peers.map((peer) => pullCredentials(db, peer, { timeoutMs: 2000 })));
  // Before taking writes: has this log been rewound (restored, lost its tail) under its peers?
  await checkLogAtStart(db, config.peers, logger);
  const reconciler = config.processorUrl
    ? new Reconciler(
        db,
        config.region,
        new HttpTenderAuthority({ baseUrl: config.processorUrl, timeoutMs: config.processorTimeoutMs }),
        {
          deadlineMs: config.reconcileDeadlineHours * 3_600_000,
          takeoverMs: config.reconcileTakeoverMinutes * 60_000,
          batch: 500,
          leaseMs: config.processorTimeoutMs * 4 + 10_000,
          unreachableRegions: async () => (await replicator.peerStatus()).filter((p) => p.lastError !== null).map((p) => p.name),
          logger,
          metrics,
        },
      )
    : null;
  const regions = [config.region, ...config.peers.map((p) => p.name)];
  const jobs = new RegionJobs(db, {
    regions,
    replicator,
    reconciler,
    thresholds: config.anomalyThresholds,
    intervalMs: config.reconcileIntervalMs,
    storedValue: config.storedValueKeys ? sealedResolver(config.storedValueKeys) : null,
    logger,
    metrics,
  });
  // Several instances of a region may share one PostgreSQL: each background job runs on the one
  // holding its lock (PGlite: this instance, always). Admin-triggered runs are not gated.
  const leaders = new JobLeaders(db, { logger });
  const pool = config.ingestWorkers > 0 ? new ClassifyPool(config.ingestWorkers) : null;
  const lagLimitMs = config.anomalyThresholds.replicationLagSeconds * 1000;
  const app = createApp({
    region: config.region,
    db,
    metrics,
    logger,
    bodyLimitBytes: config.bodyLimitBytes,
    ...(pool ? { parseBatch: pool.parse } : {}),
    replication: replicator,
    principals,
    storedValue: { keys: config.storedValueKeys },
    healthDetails: async () => {
      const peers = await replicator.refreshLagMetrics();
      // A lagging peer does not stop this region taking writes (registers keep sending here), so
      // it is reported beside the status, which stays "ok".
      return {
        replication: peers.some((p) => p.lagMs > lagLimitMs) ? "lagging" : "ok",
        peers,
        reconciler: reconciler ? "on" : "off (no --processor-url)",
        log: await currentEpoch(db),
        leads: leaders.leads(),
      };
    },
    extend: (a) => {
      addRegionRoutes(a, { region: config.region, db, principals, replicator, jobs });
      addCredentialRoutes(a, { region: config.region, db, principals, issuer });
    },
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, () => resolve(s));
    s.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  if (config.backgroundJobs) {
    // Two locks: replication and the other jobs may lead on different instances.
    if (config.peers.length > 0) replicator.start(leaders.leader("replicator"));
    jobs.start(leaders.leader("region-jobs"));
  }
  logger.info(
    {
      port,
      backend: db.backend,
      peers: config.peers.map((p) => p.name),
      trustedKeys: trustedKeys.size,
      issues: issuer !== undefined,
    },
    "region listening",
  );
  return {
    port,
    db,
    logger,
    replicator,
    jobs,
    async close() {
      await replicator.stop();
      await jobs.stop();
      await leaders.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool?.close();
      await db.close();
    },
  };
}
