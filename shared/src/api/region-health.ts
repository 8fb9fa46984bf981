import { z } from "zod";

export const HEALTH_STATUSES = ["ok", "degraded"] as const;

/** `GET /v1/health` as anyone sees it (load balancers, registers' probes). Status 503 while the database is unreachable. */
export const HealthResponseSchema = z.looseObject({
  region: z.string(),
  status: z.enum(HEALTH_STATUSES),
});
export type HealthResponse = z.infer<typeof HealthResponseSchema>;

/** A peer region as this region's replicator last found it. */
export const PeerStatusSchema = z.object({
  name: z.string(),
  cursor: z.number().int().nonnegative(),
  peerHead: z.number().int().nonnegative(),
  lagEvents: z.number().int().nonnegative(),
  lagMs: z.number().nonnegative(),
  lastSuccessAt: z.string().nullable(),
  lastError: z.string().nullable(),
});
export type PeerStatus = z.infer<typeof PeerStatusSchema>;

/** `GET /v1/health` with an admin or region credential: the details an operator needs. */
export const OperatorHealthSchema = z.object({
  region: z.string(),
  status: z.enum(HEALTH_STATUSES),
  backend: z.enum(["pglite", "postgres"]),
  database: z.enum(["ok", "unreachable"]),
  uptimeSeconds: z.number().int().nonnegative(),
  /** A region running replication adds these (absent while the database is unreachable). */
  replication: z.enum(["ok", "lagging"]).optional(),
  peers: z.array(PeerStatusSchema).optional(),
  reconciler: z.string().optional(),
  /** The log's current epoch: a new one starts when its history was rewound (a restore). */
  log: z
    .object({
      epoch: z.string(),
      n: z.number().int().positive(),
      startsAfter: z.number().int().nonnegative(),
      startedAt: z.string(),
      reason: z.string(),
    })
    .optional(),
  /** The background jobs this instance leads ("replicator", "region-jobs"): one instance per region runs each. */
  leads: z.array(z.string()).optional(),
});
export type OperatorHealth = z.infer<typeof OperatorHealthSchema>;
