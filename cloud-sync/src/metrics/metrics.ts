import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** One registry per service instance (tests run several in one process). */
export function createMetrics(region: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ region });
  return {
    registry,
    ingestEvents: new Counter({
      name: "tenderline_ingest_events_total",
      help: "Events ingested, by outcome and rejection reason",
      labelNames: ["outcome", "reason"] as const,
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: "tenderline_ingest_batch_seconds",
      help: "Time to ingest one batch, from parsed body to answer",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    dbErrors: new Counter({
      name: "tenderline_db_errors_total",
      help: "Database operations that failed",
      labelNames: ["operation"] as const,
      registers: [registry],
    }),
    httpRefusals: new Counter({
      name: "tenderline_http_refusals_total",
      help: "Requests answered with an error status (refused or failed), by status",
      labelNames: ["status"] as const,
      registers: [registry],
    }),
    replicationLagEvents: new Gauge({
      name: "tenderline_replication_lag_events",
      help: "Records a peer holds that this region has not pulled yet",
      labelNames: ["peer"] as const,
      registers: [registry],
    }),
    replicationLagSeconds: new Gauge({
      name: "tenderline_replication_lag_seconds",
      help: "Age of the oldest record a peer holds that this region has not pulled (0 when caught up)",
      labelNames: ["peer"] as const,
      registers: [registry],
    }),
    replicatedRecords: new Counter({
      name: "tenderline_replicated_records_total",
      help: "Records pulled from peers, by outcome",
      labelNames: ["peer", "outcome"] as const,
      registers: [registry],
    }),
    reconciliations: new Counter({
      name: "tenderline_reconciliations_total",
      help: "Offline tenders reconciled, by outcome",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    exceptions: new Gauge({
      name: "tenderline_open_exceptions",
      help: "Exceptions held by this region, by kind",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
